/** The monitoring screen: token check, then the views by path (see README "Web UI"). */
import { StrictMode, Suspense, lazy, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { Link, Route, Switch, useRoute } from 'wouter';
import { checkAccess, storedToken, storeToken, type Access } from './auth';
import { createApiClients } from './client';
import { LiveView } from './views/Live';
import { SearchView } from './views/Search';
import { TraceView } from './views/Trace';
import { TokenPrompt } from './components/TokenPrompt';
import './styles.css';

const MapView = lazy(() => import('./views/Map'));
const ServiceView = lazy(() => import('./views/Service'));

type Phase = { kind: 'checking' } | { kind: 'ready'; token: string | null } | { kind: 'token'; reason: string | null } | { kind: 'down'; reason: string };

function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  const [socketError, setSocketError] = useState<string | null>(null);

  const tryToken = useCallback(async (token: string | null) => {
    const access: Access = await checkAccess(token);
    switch (access.kind) {
      case 'ok':
        storeToken(token);
        setPhase({ kind: 'ready', token });
        return;
      case 'token-needed':
        storeToken(null);
        setPhase({ kind: 'token', reason: access.reason });
        return;
      case 'unreachable':
        setPhase({ kind: 'down', reason: access.reason });
        return;
    }
  }, []);

  useEffect(() => {
    void tryToken(storedToken());
  }, [tryToken]);

  const token = phase.kind === 'ready' ? phase.token : null;
  const ready = phase.kind === 'ready';
  const clients = useMemo(() => (ready ? createApiClients(token, setSocketError) : null), [ready, token]);
  useEffect(() => () => void clients?.ws.dispose(), [clients]);

  const forget = () => {
    storeToken(null);
    setPhase({ kind: 'token', reason: null });
  };

  return (
    <>
      <TopBar signedIn={token !== null} onForget={forget} />
      {socketError && (
        <div className="banner error" role="alert">
          {socketError}
        </div>
      )}
      <main className="page">
        {phase.kind === 'checking' && <p>Connecting to the gateway…</p>}
        {phase.kind === 'down' && (
          <p className="error" role="alert">
            Cannot reach the API: {phase.reason}
          </p>
        )}
        {phase.kind === 'token' && <TokenPrompt reason={phase.reason} onSubmit={(t) => void tryToken(t)} />}
        {clients && (
          <Provider value={clients.client}>
            <Suspense fallback={<p>Loading…</p>}>
              <Switch>
                <Route path="/">
                  <LiveView />
                </Route>
                <Route path="/live">
                  <LiveView />
                </Route>
                <Route path="/search">
                  <SearchView />
                </Route>
                <Route path="/trace/:id">{(params) => <TraceView key={params.id} traceId={decodeURIComponent(params.id)} />}</Route>
                <Route path="/map">
                  <MapView />
                </Route>
                <Route path="/service/:name">{(params) => <ServiceView key={params.name} name={decodeURIComponent(params.name)} />}</Route>
                <Route>
                  <p>No such view. Try <Link href="/live">Live</Link>.</p>
                </Route>
              </Switch>
            </Suspense>
          </Provider>
        )}
      </main>
    </>
  );
}

function NavLink({ href, children }: { href: string; children: string }) {
  const [active] = useRoute(href);
  const [root] = useRoute('/');
  const current = active || (href === '/live' && root);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function TopBar({ signedIn, onForget }: { signedIn: boolean; onForget: () => void }) {
  return (
    <header className="topbar">
      <Link href="/live" className="brand">
        Tracegate
      </Link>
      <nav aria-label="Views">
        <NavLink href="/live">Live</NavLink>
        <NavLink href="/search">Search</NavLink>
        <NavLink href="/map">Service map</NavLink>
        <a href="/graphiql">GraphiQL</a>
      </nav>
      {signedIn && (
        <button type="button" className="link" onClick={onForget}>
          Forget token
        </button>
      )}
    </header>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
