/** Shape checks for Node-style errno errors thrown by native-bindings and the overlay engine. */
export interface ErrnoLike {
  code?: string
  errno?: number
  syscall?: string
  path?: string
}

export function errnoShape(code: string, syscall: string, path?: string): ErrnoLike {
  return path === undefined ? { code, syscall } : { code, syscall, path }
}
