import { useState } from 'react';
import { api, startDownload } from '../api.js';

/** Asks the API for a presigned URL for one object of a run, then lets the browser save it. */
export function DownloadButton({ runId, objectKey, label = 'Download CSV' }: { runId: string; objectKey: string; label?: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const file = objectKey.split('/').pop() ?? objectKey;
  const onClick = async () => {
    setState({ busy: true });
    try {
      const signed = await api.download(runId, objectKey);
      startDownload(signed.url);
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <span className="download">
      <button type="button" onClick={() => void onClick()} disabled={state.busy} aria-label={`${label}: ${file}`}>
        {state.busy ? 'Preparing…' : label}
      </button>
      {state.error ? (
        <span role="alert" className="error-text small">
          {state.error}
        </span>
      ) : null}
    </span>
  );
}
