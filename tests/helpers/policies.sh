# Sourced by the enforcement tests: the TracingPolicy that kills a write to
# protected files (security_file_permission with MAY_WRITE, as Tetragon's
# file-monitoring examples), written from parameters so each test states only
# what differs: its name, mode, path match and selector extras.
# Usage: file_write_policy [--in-sandboxes] [--except-binary PATH] \
#            NAME MODE OPERATOR PATH... >policy.yaml
#   MODE      enforce or monitor (the policy-mode option)
#   OPERATOR  Equal or Prefix, for the file argument's PATH values
#   --in-sandboxes        only in sandboxes (matchSandboxes In "*"), never the host
#   --except-binary PATH  not for that binary (matchBinaries NotIn PATH)
# shellcheck shell=bash
file_write_policy() {
	local sandboxes="" binary="" name mode op path
	while [ $# -gt 0 ]; do
		case "$1" in
		--in-sandboxes) sandboxes=1; shift ;;
		--except-binary) binary=$2; shift 2 ;;
		*) break ;;
		esac
	done
	[ $# -ge 4 ] || { echo "usage: file_write_policy [opts] NAME MODE OPERATOR PATH..." >&2; return 2; }
	name=$1 mode=$2 op=$3
	shift 3
	cat <<YAML
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "$name"
spec:
  options:
  - name: "policy-mode"
    value: "$mode"
  kprobes:
  - call: "security_file_permission"
    syscall: false
    args:
    - index: 0
      type: "file"
    - index: 1
      type: "int"
    selectors:
    - matchArgs:
      - index: 0
        operator: "$op"
        values:
YAML
	for path in "$@"; do
		echo "        - \"$path\""
	done
	# index 1 is the access mask: 2 is MAY_WRITE
	cat <<YAML
      - index: 1
        operator: "Equal"
        values:
        - "2"
YAML
	[ -z "$sandboxes" ] || cat <<YAML
      matchSandboxes:    # every sandbox, never the host
      - operator: "In"
        values:
        - "*"
YAML
	[ -z "$binary" ] || cat <<YAML
      matchBinaries:
      - operator: "NotIn"
        values:
        - "$binary"
YAML
	cat <<YAML
      matchActions:
      - action: Sigkill
YAML
}
