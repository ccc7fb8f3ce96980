// The one global the pages use: the Socket.IO client, vendored as a classic script
// (static/vendor/socket.io.min.js) that each live page loads before its module.
import type { io as connectSocketIo } from 'socket.io-client';

declare global {
  interface Window {
    io: typeof connectSocketIo;
  }
}

export {};
