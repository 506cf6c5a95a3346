// Stand-in for web/js/kit-player.js of omni.services.streamclient.webrtc-1.3.8 (Isaac Sim 4.2's
// web client). NVIDIA's file is a minified WebRTC player that hard-codes the signalling port
// 49100 (OmniGibson's Dockerfile rewrites it: sed -i "s/49100/${PORT}/g" .../kit-player.js).
// This one keeps that property: the port below is the literal the extension rewrites inside the
// container before it starts. It connects to http://<?server=>:<port>/cgi-bin/signal on the
// stand-in's signalling server and shows the answer in #signal-status. No video.
(function () {
  var SIGNALLING_PORT = 49100;
  function status(text) {
    var el = document.getElementById('signal-status');
    if (el) el.textContent = text;
  }
  function connect() {
    var server = new URLSearchParams(window.location.search).get('server') || window.location.hostname;
    var url = 'http://' + server + ':' + SIGNALLING_PORT + '/cgi-bin/signal';
    status('signalling: connecting to port ' + SIGNALLING_PORT);
    return fetch(url, { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (j) { status('signalling: connected to port ' + j.port + ' (' + j.label + ')'); return j; })
      .catch(function () { status('signalling: no answer on port ' + SIGNALLING_PORT); return null; });
  }
  window.SetupWebRTCPlayer = function () { return connect(); };
})();
