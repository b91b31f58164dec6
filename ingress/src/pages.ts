/** The error pages ingress-nginx answers with (status line text and body as nginx writes them). */

const TEXT: Record<number, string> = {
  404: 'Not Found',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function errorPage(status: number): { status: number; text: string; body: string } {
  const text = TEXT[status] ?? 'Error';
  const body = `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { status, text, body };
}
