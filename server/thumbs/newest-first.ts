/**
 * A de-duplicating priority queue of ids, highest score first (a binary heap). Re-adding an
 * id updates its score lazily: stale heap entries are skipped when popped. Pure.
 */
export class NewestFirst {
  private heap: Array<{ id: string; score: number }> = [];
  private readonly scores = new Map<string, number>();

  get size(): number {
    return this.scores.size;
  }

  add(id: string, score: number): void {
    if (this.scores.get(id) === score) return;
    this.scores.set(id, score);
    this.heap.push({ id, score });
    this.up(this.heap.length - 1);
  }

  delete(id: string): void {
    this.scores.delete(id); // its heap entry is dropped when it surfaces
  }

  pop(): string | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.down(0);
      }
      if (this.scores.get(top.id) === top.score) {
        this.scores.delete(top.id);
        return top.id;
      }
    }
    return undefined;
  }

  private up(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.score >= heap[index]!.score) return;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let best = index;
      if (left < heap.length && heap[left]!.score > heap[best]!.score) best = left;
      if (right < heap.length && heap[right]!.score > heap[best]!.score) best = right;
      if (best === index) return;
      [heap[best], heap[index]] = [heap[index]!, heap[best]!];
      index = best;
    }
  }
}
