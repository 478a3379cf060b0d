import { serviceColor } from '../format';

/** A service name with its colour swatch (the name stays in the page's text colour for contrast). */
export function ServiceChip({ name }: { name: string }) {
  return (
    <span className="chip">
      <span className="swatch" style={{ background: serviceColor(name) }} aria-hidden="true" />
      {name}
    </span>
  );
}
