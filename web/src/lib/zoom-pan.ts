/** Pure zoom/pan arithmetic for the lightbox; coordinates are relative to the stage centre. */
export interface ZoomState {
  scale: number;
  x: number;
  y: number;
}

export interface Frame {
  /** Stage size. */
  width: number;
  height: number;
  /** The picture's size when fitted (scale 1). */
  contentWidth: number;
  contentHeight: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 6;
export const identity: ZoomState = Object.freeze({ scale: 1, x: 0, y: 0 });

/** The size of an image of `w`×`h` fitted inside the stage, as `object-fit: contain` does. */
export function fitFrame(stageWidth: number, stageHeight: number, w: number | null, h: number | null): Frame {
  const ratio = w && h ? w / h : stageWidth / Math.max(1, stageHeight);
  const byWidth = stageWidth / ratio <= stageHeight;
  return {
    width: stageWidth,
    height: stageHeight,
    contentWidth: byWidth ? stageWidth : stageHeight * ratio,
    contentHeight: byWidth ? stageWidth / ratio : stageHeight,
  };
}

/** Scales around a point (e.g. the pinch centre) so that point stays under the fingers. */
export function zoomAt(state: ZoomState, scale: number, px: number, py: number): ZoomState {
  const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
  const k = next / state.scale;
  return { scale: next, x: px - (px - state.x) * k, y: py - (py - state.y) * k };
}

/** Keeps the zoomed picture covering the stage where it can, centred where it cannot. */
export function clampPan(state: ZoomState, frame: Frame): ZoomState {
  const limit = (content: number, stage: number) => Math.max(0, (content * state.scale - stage) / 2);
  const lx = limit(frame.contentWidth, frame.width);
  const ly = limit(frame.contentHeight, frame.height);
  return { scale: state.scale, x: Math.min(lx, Math.max(-lx, state.x)), y: Math.min(ly, Math.max(-ly, state.y)) };
}

export function isZoomed(state: ZoomState): boolean {
  return state.scale > 1.01;
}

/** Double tap: zoom in to 2.5× at the tapped point, or back out to fit. */
export function toggleZoom(state: ZoomState, px: number, py: number, frame: Frame): ZoomState {
  if (isZoomed(state)) return identity;
  return clampPan(zoomAt(state, 2.5, px, py), frame);
}

export function toTransform(state: ZoomState): string {
  return `translate3d(${state.x.toFixed(1)}px, ${state.y.toFixed(1)}px, 0) scale(${state.scale.toFixed(3)})`;
}
