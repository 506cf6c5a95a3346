# Sourced by kit.sh (busybox sh): the stand-in of the Python code server that "Run in Sim" talks to.
# A PROTOCOL STAND-IN, NOT PYTHON: python-handler.sh answers each connection with the reply NVIDIA's
# server sends, evaluating only print("…"), raise Name("…"), time.sleep(N), import lines and comments.
#
# Which Kit extension per version, its settings and its log lines (sources; see stand-in/README.md
# "Python code server" and src/instances/simPythonProtocol.ts for the tags):
#   4.2  omni.isaac.vscode                   [vs42] settings /exts/omni.isaac.vscode/{host,port}
#   5.1  isaacsim.code_editor.vscode         [vs51] isaac-sim/IsaacSim@v5.1.0 …/config/extension.toml, extension.py
#   6.x  isaacsim.code_editor.python_server  [ps601] isaac-sim/IsaacSim@v6.0.1 …/config/extension.toml, extension.py
#        (6.x isaacsim.code_editor.vscode depends on it, so enabling that one enables the server too [vscode6])
# No app .kit enables them ([apps]: only the extension cache lists them), so the server starts only
# when Kit's arguments say `--enable EXT`, as real Kit would. The server binds 127.0.0.1 whatever the
# host setting says (the stand-in serves loopback only).

PYS_ENABLED=0
PYS_PORT=8226          # [vs51] [ps601] extension.toml port = 8226; 4.2 default not confirmed ([vs42] has no toml)
PYS_REQUIRE_AUTH=0     # [ps601] require_auth = false
PYS_TOKEN=             # [ps601] auth_token = ""
PYS_PID=
case "$GEN" in
  4) PYS_EXT=omni.isaac.vscode ;;
  5) PYS_EXT=isaacsim.code_editor.vscode ;;
  *) PYS_EXT=isaacsim.code_editor.python_server ;;
esac
# carb.log_* from Python names the calling module: "[Info][isaacsim.code_editor.vscode.extension] …"
# ([vs51] tests/test_sockets.py), so the extension's own lines carry "<ext>.extension".
PYS_CHANNEL="$PYS_EXT.extension"

pys_parse() {   # pys_parse ARGS...: Kit's --enable EXT and the extension's --/exts/EXT/... settings
  prev=
  for arg in "$@"; do
    if [ "$prev" = --enable ]; then
      case "$GEN:$arg" in
        *:"$PYS_EXT"|6:isaacsim.code_editor.vscode) PYS_ENABLED=1 ;;
      esac
    fi
    case "$arg" in
      "--/exts/$PYS_EXT/port="*) PYS_PORT="${arg#*=}" ;;
      "--/exts/$PYS_EXT/require_auth="*) [ "$GEN" = 6 ] && case "${arg#*=}" in true|1) PYS_REQUIRE_AUTH=1 ;; *) PYS_REQUIRE_AUTH=0 ;; esac ;;
      "--/exts/$PYS_EXT/auth_token="*) [ "$GEN" = 6 ] && PYS_TOKEN="${arg#*=}" ;;
    esac
    prev="$arg"
  done
  check_port "$PYS_PORT"
}

pys_start() {   # called where the extension starts (before "app ready")
  [ "$PYS_ENABLED" = 1 ] || return 0
  if [ "$PYS_REQUIRE_AUTH" = 1 ]; then
    # [ps601] _get_or_create_auth_token: a configured token, else secrets.token_urlsafe(32) (43
    # characters of A-Z a-z 0-9 - _); then carb.log_info(...) and print(...) of the same line.
    if [ -z "$PYS_TOKEN" ]; then
      PYS_TOKEN=$(head -c 32 /dev/urandom | busybox base64 | tr '+/' '-_' | tr -d '=\n')
    fi
    klog Info "$PYS_CHANNEL" "Python server authentication token: $PYS_TOKEN"
    raw "Python server authentication token: $PYS_TOKEN"
  fi
  export PYS_GEN="$GEN" PYS_REQUIRE_AUTH PYS_TOKEN
  # One process per connection (busybox nc -ll -e), bound to 127.0.0.1 only.
  nc -ll -p "$PYS_PORT" 127.0.0.1 -e "$HERE/python-handler.sh" 2>/dev/null &
  PYS_PID=$!
  tries=0
  while :; do
    if ! kill -0 "$PYS_PID" 2>/dev/null; then
      # [vs51]/[ps601] _create_socket: carb.log_error(str(exc)) of asyncio's create_server error. The
      # text is CPython's (Lib/asyncio/base_events.py create_server, "error while attempting to bind on
      # address %r: %s"), written from that file's known form, not from a captured Kit log.
      klog Error "$PYS_CHANNEL" "[Errno 98] error while attempting to bind on address ('127.0.0.1', $PYS_PORT): address already in use"
      PYS_PID=
      return 0
    fi
    busybox netstat -ltn 2>/dev/null | grep -q " 127\.0\.0\.1:$PYS_PORT " && break
    tries=$((tries + 1))
    [ "$tries" -ge 100 ] && break
    nap 0.05
  done
  HTTPD_PIDS="$HTTPD_PIDS $PYS_PID"
  klog Info "$PYS_CHANNEL" "Serving at 127.0.0.1:$PYS_PORT"   # [vs51]/[ps601] carb.log_info(f"Serving at {host}:{port}")
}
