// The login screen of adminAuth: shown when the server refuses the
// editor's calls and GET /auth/login asks for credentials.

import { useState } from 'react';
import { login } from '../api';

export function Login({ done }: { done: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [failed, setFailed] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed('');
    try {
      await login(username, password);
      done();
    } catch (err) {
      setFailed(err instanceof Error && err.message !== '' ? err.message : 'Login failed');
      setBusy(false);
    }
  };
  return (
    <div className="fg-login">
      <form className="fg-login-form" onSubmit={(e) => void submit(e)}>
        <h1>Flowgate</h1>
        <label>
          Username
          <input name="username" autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {failed && (
          <div className="fg-login-failed" role="alert">
            {failed}
          </div>
        )}
        <button className="primary" type="submit" disabled={busy}>
          Login
        </button>
      </form>
    </div>
  );
}
