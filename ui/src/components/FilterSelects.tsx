import type { StatusCode } from '../gql/graphql';

/** A labelled service picker ("any" = no filter) over the names the page already loaded. */
export function ServiceSelect({ name, value, services, onChange }: { name?: string; value: string; services: readonly { name: string }[]; onChange: (service: string) => void }) {
  return (
    <label>
      Service{' '}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {services.map((s) => (
          <option key={s.name} value={s.name}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A labelled span-status picker ("any" = no filter). */
export function StatusSelect({ name, value, onChange }: { name?: string; value: '' | StatusCode; onChange: (status: '' | StatusCode) => void }) {
  return (
    <label>
      Status{' '}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value as '' | StatusCode)}>
        <option value="">any</option>
        <option value="ERROR">ERROR</option>
        <option value="OK">OK</option>
        <option value="UNSET">UNSET</option>
      </select>
    </label>
  );
}
