/** The user pool's groups; a module of its own so handlers can use the names without importing Amplify's backend. */
export const ADMINS = 'Admins';
export const UPLOADERS = 'Uploaders';
/** In precedence order (Admins first), as defineAuth gets them and amplify_outputs.json lists them. */
export const GROUPS = [ADMINS, UPLOADERS];
