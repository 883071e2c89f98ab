import { Type } from '@sinclair/typebox';

export const BoardSessionCreated = Type.Null({
  description:
    'No body. Sets the `shop_board` cookie (HttpOnly, SameSite=Strict, Path=/admin/queues, Max-Age=900, ' +
    'Secure outside development/test): a 15-minute admin JWT that opens Bull Board at /admin/queues in this browser.',
});

export const BoardSessionCleared = Type.Null({ description: 'No body. Expires the `shop_board` cookie.' });
