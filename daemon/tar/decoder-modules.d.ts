/**
 * Types for the two decoder packages that ship none (decoders.ts uses them): only what strata calls.
 * Tests: test/unit/tar/decompress.test.ts
 */
declare module 'lzma-native' {
  import type { Duplex } from 'node:stream'
  export const LZMA_CONCATENATED: number
  export function createStream(coder: 'streamDecoder', options: { memlimit?: number; flags?: number }): Duplex
}

declare module 'unbzip2-stream' {
  /** A classic (through) stream: bzip2 bytes in, plain bytes out. */
  function unbzip2(): NodeJS.ReadWriteStream
  export default unbzip2
}
