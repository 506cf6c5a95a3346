#!/bin/sh
# One connection of the stand-in Python code server (started by python-server.sh through busybox
# `nc -ll -e`; stdin and stdout are the socket). A PROTOCOL STAND-IN, NOT PYTHON.
#
# Request ([vs51] [ps601], tags in src/instances/simPythonProtocol.ts):
#   4.2/5.1: what arrives in the first read is run (the real server runs each data chunk as it
#            arrives; the client does not half-close). Here: one read of up to 64 KiB.
#   6.x:     everything up to the client's half-close (EOF); an optional first line
#            "# isaacsim-python-server-token: TOKEN" is cut before the code runs.
# Reply: NVIDIA's compact JSON (json.dumps separators (",", ":")), then the connection closes.
#   ok:    {"status":"ok","output":"…"}  (6.x adds "result":null for a single print(...) expression)
#   error: {"status":"error","output":"…","traceback":["…"],"ename":"…","evalue":"…"}
#   6.x bad/missing token with require_auth: the AuthenticationError reply of extension.py.
# Evaluated, line by line: print("text") / print('text') (escapes \n \t \\ \" \'), raise Name("msg")
# / raise Name('msg') / raise Name() / raise Name, time.sleep(N), import/from lines, comments, blank
# lines. Anything else gets a [standin] error reply (ename StandinUnsupported). Deviations: the real
# traceback starts with the executor's own frame (executor.py "result = eval(code, …)"; its in-image
# path is not verified, so it is left out); non-ASCII stays UTF-8 (json.dumps would write \uXXXX).
f="/tmp/standin-pys-$$"
trap 'rm -f "$f"' EXIT
if [ "$PYS_GEN" = 6 ]; then
  cat >"$f"
else
  busybox dd bs=65536 count=1 of="$f" 2>/dev/null
fi
[ -s "$f" ] || [ "$PYS_GEN" = 6 ] || exit 0   # 4.x/5.x: no data, no reply (data_received never ran)
awk -v gen="$PYS_GEN" -v need_auth="$PYS_REQUIRE_AUTH" -v token="$PYS_TOKEN" '
function esc(s) {
  gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\r/, "\\r", s); gsub(/\n/, "\\n", s)
  return s
}
function unq(s,   out, i, c, n) {   # a Python string literal body: \n \t \\ \" \x27
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\" && i < length(s)) {
      n = substr(s, ++i, 1)
      if (n == "n") c = "\n"; else if (n == "t") c = "\t"; else c = n
    }
    out = out c
  }
  return out
}
function literal(s,   q) {   # "text" or \x27text\x27 -> text; "" if s is not one literal (sets ok)
  q = substr(s, 1, 1); ok = 0
  if ((q == "\"" || q == "\x27") && length(s) >= 2 && substr(s, length(s), 1) == q) { ok = 1; return unq(substr(s, 2, length(s) - 2)) }
  return ""
}
function reply_error(name, msg, ln, tb) {
  tb = "Traceback (most recent call last):\n  File \"<string>\", line " ln ", in <module>\n" name (msg == "" ? "" : ": " msg) "\n"
  sub(/\n$/, "", out)
  printf "{\"status\":\"error\",\"output\":\"%s\",\"traceback\":[\"%s\"],\"ename\":\"%s\",\"evalue\":\"%s\"}", esc(out), esc(tb), esc(name), esc(msg)
  exit 0
}
{ sub(/\r$/, ""); lines[NR] = $0 }
END {
  first = 1; out = ""
  if (gen == 6) {
    tok = ""; has = 0
    if (index(lines[1], "# isaacsim-python-server-token:") == 1) {
      has = 1; tok = substr(lines[1], 32); gsub(/^[ \t]+|[ \t]+$/, "", tok); first = 2
    }
    if (need_auth == 1 && (!has || tok == "" || tok != token)) {
      printf "{\"status\":\"error\",\"output\":\"\",\"ename\":\"AuthenticationError\",\"evalue\":\"Missing or invalid authentication token\",\"traceback\":[\"AuthenticationError: Missing or invalid authentication token\"]}"
      exit 0
    }
    probe = lines[first]; sub(/^[ \t]+/, "", probe)
    if (substr(probe, 1, 1) == "{") {
      printf "{\"status\":\"error\",\"output\":\"\",\"ename\":\"StandinUnsupported\",\"evalue\":\"[standin] JSON envelopes are not implemented by the stand-in\",\"traceback\":[]}"
      exit 0
    }
  }
  statements = 0; prints = 0
  for (i = first; i <= NR; i++) {
    ln = i - first + 1; s = lines[i]
    if (s ~ /^[ \t]*$/ || s ~ /^[ \t]*#/) continue
    statements++
    if (s ~ /^(import|from) [A-Za-z_][A-Za-z0-9_. ,]*$/) continue
    if (s ~ /^print\(.*\)$/) {
      v = literal(substr(s, 7, length(s) - 7))
      if (ok) { out = out v "\n"; prints++; continue }
    }
    if (s ~ /^time\.sleep\([0-9]+(\.[0-9]+)?\)$/) {
      n = substr(s, 12, length(s) - 12); system("sleep " n); continue
    }
    if (s ~ /^raise [A-Za-z_][A-Za-z0-9_]*(\(.*\))?$/) {
      name = substr(s, 7); msg = ""
      p = index(name, "(")
      if (p > 0) {
        arg = substr(name, p + 1, length(name) - p - 1); name = substr(name, 1, p - 1)
        if (arg != "") { msg = literal(arg); if (!ok) msg = arg }
        if (name == "KeyError" && msg != "") msg = "\x27" msg "\x27"   # str(KeyError("k")) is the repr of the key
      }
      reply_error(name, msg, ln)
    }
    reply_error("StandinUnsupported", "[standin] line " ln ": the stand-in evaluates only print(\"...\"), raise Name(\"...\"), time.sleep(N), import lines and comments; it is not Python", ln)
  }
  sub(/\n$/, "", out)
  result = (gen == 6 && statements == 1 && prints == 1) ? ",\"result\":null" : ""
  printf "{\"status\":\"ok\",\"output\":\"%s\"%s}", esc(out), result
}' "$f"
