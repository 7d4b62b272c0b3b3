/**
 * Which outbox batch file holds each unsettled delivery. Pure bookkeeping: says when the last
 * delivery of a batch settles, so the caller can delete the file.
 */
export class BatchLedger {
  private readonly batchOf = new Map<string, string>();
  private readonly left = new Map<string, number>();

  track(batch: string, deliveryIds: readonly string[]): void {
    for (const id of deliveryIds) this.batchOf.set(id, batch);
    this.left.set(batch, deliveryIds.length);
  }

  /** Marks a delivery settled; returns its batch's name once nothing in it is left. */
  settle(deliveryId: string): string | null {
    const batch = this.batchOf.get(deliveryId);
    if (batch === undefined) return null;
    this.batchOf.delete(deliveryId);
    const left = (this.left.get(batch) ?? 1) - 1;
    if (left > 0) {
      this.left.set(batch, left);
      return null;
    }
    this.left.delete(batch);
    return batch;
  }
}
