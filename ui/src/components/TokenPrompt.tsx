import { useState, type FormEvent } from 'react';

/** Asks for a read token (TRACEGATE_TOKENS is set on the gateway); `reason` says why the last one was refused. */
export function TokenPrompt({ reason, onSubmit }: { reason: string | null; onSubmit: (token: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim() !== '') onSubmit(value.trim());
  };
  return (
    <form className="token-prompt card" onSubmit={submit} aria-labelledby="token-title">
      <h1 id="token-title">Read token needed</h1>
      <p>This gateway requires a token with the <code>read</code> scope. It is kept for this browser tab only.</p>
      {reason && (
        <p className="error" role="alert">
          {reason}
        </p>
      )}
      <label>
        Token{' '}
        <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
      </label>{' '}
      <button type="submit">Use token</button>
    </form>
  );
}
