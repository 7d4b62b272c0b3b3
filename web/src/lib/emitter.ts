/** A tiny typed event emitter: UI classes announce what happened, the controller decides. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(name: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const handler of this.handlers.get(name) ?? []) (handler as (payload: Events[K]) => void)(payload);
  }
}
