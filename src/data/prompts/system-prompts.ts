/** Fixed prompt texts. */

/**
 * System prompt of the reference's "vanilla" text-to-video template (reference §6.4), byte-exact,
 * quirks included ("behaviors temporal relationships", lower-case "background", trailing colon).
 */
export const GENERATION_SYSTEM_PROMPT =
  'Describe the image or video by detailing the following aspects:\n' +
  '1. The main content and theme of the video.\n' +
  '2. The color, shape, size, texture, quantity, text, and spatial relationships of the objects.\n' +
  '3. Actions, events, behaviors temporal relationships, physical movement changes of the objects.\n' +
  '4. background environment, light, style and atmosphere.\n' +
  '5. camera angles, movements, and transitions used in the video:';
