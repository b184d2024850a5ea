// The console page: an xterm.js terminal joined to the guest's serial console by a websocket
// (service/ui/terminal.py). Output arrives as bytes and is written as it comes; every key
// typed is sent as it is typed. The terminal fits its box, down to a phone's width.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("terminal");
    var state = document.getElementById("terminal-state");
    var again = document.getElementById("terminal-reconnect");
    if (!box || typeof Terminal === "undefined") { return; }
    var term = new Terminal({cursorBlink: true, scrollback: 5000, convertEol: false,
                             fontSize: 14, screenReaderMode: false});
    var fit = new FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(box);
    fit.fit();
    window.addEventListener("resize", function () { fit.fit(); });
    window.vmfabricTerminal = term;  // what the page's tests read the screen through
    var socket = null;
    function connect() {
      again.hidden = true;
      state.textContent = "connecting…";
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + box.dataset.socket);
      socket.binaryType = "arraybuffer";
      socket.onopen = function () {
        state.textContent = "connected: type into the console below";
        term.focus();
      };
      socket.onmessage = function (event) {
        term.write(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
      };
      socket.onclose = function (event) {
        state.textContent = "closed: " + (event.reason ||
          "the console could not be opened or was closed (is the VM running, are you logged in?)");
        again.hidden = false;
      };
    }
    term.onData(function (data) {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(data); }
    });
    again.addEventListener("click", connect);
    connect();
  }
  document.addEventListener("DOMContentLoaded", start);
})();
