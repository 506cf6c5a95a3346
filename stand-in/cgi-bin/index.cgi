#!/bin/sh
# busybox httpd runs /cgi-bin/index.cgi for any directory URL that has no index.html. It plays the
# route of omni.services.streamclient.webrtc-1.3.8 services/browser_frontend.py (public copy:
# UrsaLeo/-gemini-kit-106.3 modified/sunstudy_webrtc/..., commit f802bb6d): GET
# /streaming/webrtc-client answers a FastAPI RedirectResponse (307) to
# {scheme}://{ip}:{port}/streaming/webrtc-demo/?server={ip}, ip = the host's first address not
# starting with "127." (NVIDIA resolves the request's host name; the stand-in takes the first
# non-127 IPv4 address of the host's interfaces), port = the request's port. With no such
# address it keeps the loopback address, as NVIDIA's code keeps gethostbyname()'s result.
# Everything else: 404.
case "$REQUEST_URI" in
  /streaming/webrtc-client/|/streaming/webrtc-client/\?*)
    ip=$(ip -4 -o addr show 2>/dev/null | awk '{ split($4, a, "/"); if (a[1] !~ /^127\./) { print a[1]; exit } }')
    [ -n "$ip" ] || ip=127.0.0.1
    port="${HTTP_HOST##*:}"
    case "$port" in ''|*[!0-9]*) port=$(cat /tmp/standin/http-port 2>/dev/null) ;; esac
    printf 'Status: 307 Temporary Redirect\r\nLocation: http://%s:%s/streaming/webrtc-demo/?server=%s\r\nContent-Length: 0\r\n\r\n' "$ip" "$port" "$ip"
    ;;
  *)
    printf 'Status: 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"detail":"Not Found"}\n'
    ;;
esac
