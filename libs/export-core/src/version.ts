/** Written into every manifest so a consumer knows which exporter produced an object. */
export const EXPORTER_VERSION = '0.1.0';
