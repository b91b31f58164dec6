/** The images a Dockerfile reads: FROM images and COPY --from images, not its own stages. */
export function dockerfileBases(text: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  const add = (image: string): void => {
    if (image !== 'scratch' && !stages.has(image) && !bases.includes(image)) bases.push(image);
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      add(from[1]!);
      if (from[2]) stages.add(from[2]);
      continue;
    }
    const copy = /^COPY\s+.*--from=(\S+)/i.exec(line);
    if (copy && !/^\d+$/.test(copy[1]!)) add(copy[1]!);
  }
  return bases;
}
