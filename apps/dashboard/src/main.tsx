import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { configureApi } from './api.js';
import { App } from './App.js';
import { startSession } from './auth/session.js';
import { loadRuntimeConfig } from './runtime-config.js';
import './styles.css';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
const root = createRoot(rootElement);

try {
  const config = await loadRuntimeConfig();
  const session = await startSession(config);
  configureApi({ base: config.apiBase, accessToken: () => session.accessToken(), rejected: () => session.rejected(), requiresToken: session.mode === 'oidc' });
  root.render(
    <StrictMode>
      <App session={session} stage={config.stage} />
    </StrictMode>,
  );
} catch (error) {
  // No config, no page: say why instead of a blank screen.
  const message = error instanceof Error ? error.message : String(error);
  root.render(
    <main id="main">
      <p className="state state-error" role="alert">
        <strong>The dashboard cannot start.</strong> {message}
      </p>
    </main>,
  );
}
