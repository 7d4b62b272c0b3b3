/**
 * The eight ways to turn and mirror a picture (the dihedral group D4), as one normal form:
 * turn clockwise by `rotate`, then mirror left-right when `mirror`. Every mix of rotations
 * and flips reduces to one of these, so URLs that say the same thing in different words
 * (`flip=v` and `rotate=180&flip=h`) share one cache entry. Pure.
 */
export type Turn = 0 | 90 | 180 | 270;

export interface Orientation {
  rotate: Turn;
  mirror: boolean;
}

export const upright: Orientation = { rotate: 0, mirror: false };

/** `h` mirrors left-right; `v` top-bottom (a half turn and a left-right mirror); `both` is a half turn. */
export function fromFlip(flip: 'h' | 'v' | 'both' | null): Orientation {
  switch (flip) {
    case 'h':
      return { rotate: 0, mirror: true };
    case 'v':
      return { rotate: 180, mirror: true };
    case 'both':
      return { rotate: 180, mirror: false };
    case null:
      return upright;
  }
}

export const fromTurn = (rotate: Turn): Orientation => ({ rotate, mirror: false });

/** `first`, then `second`. A mirror reverses the sense of every turn made after it. */
export function compose(first: Orientation, second: Orientation): Orientation {
  const turn = first.mirror ? -second.rotate : second.rotate;
  return { rotate: ((((first.rotate + turn) % 360) + 360) % 360) as Turn, mirror: first.mirror !== second.mirror };
}

export const isUpright = (orientation: Orientation): boolean => orientation.rotate === 0 && !orientation.mirror;
