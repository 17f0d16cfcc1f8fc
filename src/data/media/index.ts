/** Media I/O: public surface. */
export * from './video.js';
export * from './read.js';
export * from './write.js';
export * from './sample-frames.js';
export * from './resize.js';
export * from './normalize.js';
export * from './grid.js';
export { decodePng, encodePng } from './png.js';
export { decodeJpeg } from './jpeg.js';
export { decodeGif } from './gif-decode.js';
export { encodeGif, DEFAULT_FPS } from './gif-encode.js';
export { decodeVideoFile } from './ffmpeg.js';
