import { describe, expect, it } from 'vitest';
import { dashboardContentSecurityPolicy } from './dashboard-csp.js';

describe('Function: dashboardContentSecurityPolicy', () => {
  it('allows the own origin only, no inline code, no framing; local mode connects nowhere else', () => {
    expect(dashboardContentSecurityPolicy()).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('lets the app reach the sign-in provider', () => {
    expect(dashboardContentSecurityPolicy(['https://idp.example.com', 'https://login.example.com'])).toContain(
      "; connect-src 'self' https://idp.example.com https://login.example.com; ",
    );
  });
});
