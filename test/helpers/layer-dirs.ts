/**
 * An image's layer directories, top first (the order lowerdir= wants), from its inspect JSON:
 * GraphDriver.Data's UpperDir (the top layer) and then its LowerDir, as overlay2 shows an image;
 * none for an image without layers (Data null).
 */
import type { StrataClient } from '../../client/client.js'

interface Data {
  UpperDir: string
  LowerDir?: string
}

export async function imageLayerDirs(c: StrataClient, image: string): Promise<string[]> {
  const { Data } = (await c.call('image.inspect', { image })).GraphDriver as { Data: Data | null }
  return Data ? [Data.UpperDir, ...(Data.LowerDir?.split(':') ?? [])] : []
}
