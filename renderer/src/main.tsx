import './api/zod-jitless.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { adoptTokenFromLocation } from './api/session-token.ts';
import { App } from './App.tsx';
import { followRouteInStore } from './store/route-sync.ts';

// Before anything reads the hash: the browser-mode token arrives as `#token=…`.
adoptTokenFromLocation();
followRouteInStore();

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
