/** Names of nodes added by `kubelab join`: <project>-node-<n>, n one past the highest in use. */
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function nextNodeName(project: string, existing: readonly string[]): string {
  const re = new RegExp(`^/?${escape(project)}-node-(\\d+)$`);
  let max = 0;
  for (const name of existing) {
    const m = re.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${project}-node-${max + 1}`;
}
