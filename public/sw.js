// The chat's service worker: shows the server's pushes (Web Push payload
// {title, body, data: {room, message_id, url}}) and, when one is clicked,
// focuses the room's tab or opens the room.
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let push = {};
  try {
    push = event.data ? event.data.json() : {};
  } catch (_) {
    push = { body: event.data ? event.data.text() : '' };
  }
  const data = push.data || {};
  event.waitUntil(
    self.registration.showNotification(push.title || 'New message', {
      body: push.body || '',
      // One notification per room: a newer message replaces the older.
      tag: data.room || 'chat',
      renotify: true,
      icon: '/favicon.svg',
      data,
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL((event.notification.data || {}).url || '/', self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).pathname === target.pathname);
      if (open) return open.focus();
      return self.clients.openWindow(target.href);
    })(),
  );
});
