// The phone's WebSocket, opened while the page's scripts still download and handed to the Socket.IO client
// when it asks for its first one. On a slow mobile link every request waits a round trip (2 s on DevTools'
// slow 3G, the WebSocket handshake too): without this the handshake starts only once the scripts are in.
// Inlined at the top of the page (before the stylesheet, which would hold an inline script back; its hash is
// in the CSP), so it runs before socket.io.min.js, which keeps the `WebSocket` it finds when it loads.
// Anything unexpected (another URL, subprotocols, a closed socket): the client gets a socket of its own.
(() => {
  const Native = window.WebSocket;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/socket.io/?EIO=4&transport=websocket`;
  /** @type {WebSocket | null} */
  let early = null;
  /** @type {MessageEvent[]} */
  const missed = [];
  try {
    early = new Native(url);
    early.onmessage = (event) => missed.push(event);
  } catch {
    return;
  }
  // Never taken (the scripts failed to load): do not hold a connection on the server.
  const unused = setTimeout(() => {
    if (early) early.close();
    early = null;
  }, 30000);

  /**
   * @param {string | URL} address
   * @param {string | string[]} [protocols]
   * @returns {WebSocket}
   */
  function WebSocketTakingTheEarlyOne(address, protocols) {
    const socket = early;
    early = null;
    clearTimeout(unused);
    if (socket && socket.readyState <= Native.OPEN && protocols === undefined
        && new URL(String(address), location.href).href === socket.url) {
      // The client sets its handlers right after construction: then tell it what it missed.
      queueMicrotask(() => {
        if (socket.readyState === Native.OPEN && socket.onopen) socket.onopen(new Event('open'));
        for (const event of missed) if (socket.onmessage) socket.onmessage(event);
      });
      return socket;
    }
    if (socket) socket.close();
    return protocols === undefined ? new Native(address) : new Native(address, protocols);
  }
  WebSocketTakingTheEarlyOne.prototype = Native.prototype;
  Object.assign(WebSocketTakingTheEarlyOne, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  Object.defineProperty(window, 'WebSocket', { value: WebSocketTakingTheEarlyOne, configurable: true, writable: true });
})();
