/** The time window of the analytics views, kept in the URL (`?window=1h`). */
import { useLocation, useSearch } from 'wouter';

export const WINDOWS = {
  '15m': { label: 'last 15 minutes', ms: 15 * 60_000 },
  '1h': { label: 'last hour', ms: 60 * 60_000 },
  '6h': { label: 'last 6 hours', ms: 6 * 60 * 60_000 },
  '24h': { label: 'last 24 hours', ms: 24 * 60 * 60_000 },
} as const;
export type WindowKey = keyof typeof WINDOWS;

export function useWindow(fallback: WindowKey): [WindowKey, (key: WindowKey) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const value = new URLSearchParams(search).get('window');
  const key = value !== null && value in WINDOWS ? (value as WindowKey) : fallback;
  const set = (next: WindowKey) => {
    const q = new URLSearchParams(search);
    q.set('window', next);
    navigate(`${location}?${q.toString()}`, { replace: true });
  };
  return [key, set];
}

export function WindowPicker({ value, onChange }: { value: WindowKey; onChange: (key: WindowKey) => void }) {
  return (
    <label className="inline">
      Window{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as WindowKey)}>
        {Object.entries(WINDOWS).map(([key, w]) => (
          <option key={key} value={key}>
            {w.label}
          </option>
        ))}
      </select>
    </label>
  );
}
