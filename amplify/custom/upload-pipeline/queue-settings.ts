/** Deliveries before a message goes to its dead-letter queue (the uploader's "last attempt" check uses it too). */
export const MAX_RECEIVE_COUNT = 5;
