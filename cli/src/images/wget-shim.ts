/**
 * Debian's busybox before 1.36.1-5 is built without wget's `-T` (timeout) and crashes on it
 * (SIGSEGV): in such a busybox image, `wget` is this script, which takes `-T N` / `--timeout=N`
 * out and runs busybox's wget under busybox's `timeout` instead. It serves `wget` run as a
 * program (a container's command, `kubectl exec POD -- wget -T 2 ...`); busybox's own `sh` runs
 * its built-in applet instead (it prefers applets to PATH), so in `sh -c` scripts use
 * `timeout 2 wget ...`.
 */
export const WGET_TIMEOUT_SHIM = `#!/bin/busybox sh
# kubelab: this busybox has no wget -T (it would crash); the timeout is applied around wget.
t=
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  n=$((n - 1))
  case $a in
    -T | --timeout)
      t=$1
      shift
      n=$((n - 1))
      continue
      ;;
    -T*) t=\${a#-T} && continue ;;
    --timeout=*) t=\${a#--timeout=} && continue ;;
  esac
  set -- "$@" "$a"
done
[ -n "$t" ] && exec /bin/busybox timeout "$t" /bin/busybox wget "$@"
exec /bin/busybox wget "$@"
`;

/** Whether a busybox's wget knows `-T` (its help lists it as `-T SEC`). */
export function wgetHasTimeout(helpText: string): boolean {
  return /^\s*-T SEC/m.test(helpText);
}
