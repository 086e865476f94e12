import { describe, expect, it } from 'vitest';
import { grantFindings, parseGrant } from './mysql-privileges.js';

const findingsOf = (line: string) => {
  const grant = parseGrant(line);
  return grant ? grantFindings(grant) : null;
};

describe('Function: parseGrant / grantFindings', () => {
  it.each([
    // Least privilege: nothing to report. The password hash is never part of a finding.
    ["GRANT USAGE ON *.* TO `rds_s3_export`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'", []],
    ['GRANT SELECT ON `shop`.`employees` TO `rds_s3_export`@`%`', []],
    ['GRANT SELECT (`id`, `name`), SHOW VIEW ON `shop`.* TO `u`@`%`', []],
    ['GRANT SELECT ON `weird ON db`.* TO `u`@`%`', []],
    // What the review names: write privileges, FILE, SUPER, admin, grant options.
    ['GRANT ALL PRIVILEGES ON *.* TO `root`@`127.0.0.1` WITH GRANT OPTION', ['ALL PRIVILEGES on *.*', 'GRANT OPTION on *.*']],
    ['GRANT SELECT, INSERT ON `shop`.`orders` TO `u`@`%`', ['INSERT on `shop`.`orders`']],
    ['GRANT FILE, PROCESS ON *.* TO `u`@`%`', ['FILE, PROCESS on *.*']],
    ['GRANT SUPER ON *.* TO `u`@`%`', ['SUPER on *.*']],
    ['GRANT UPDATE (`note`) ON `shop`.`orders` TO `u`@`%`', ['UPDATE on `shop`.`orders`']],
    ['GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`', ['EXECUTE on PROCEDURE `shop`.`p`']],
    ['GRANT BACKUP_ADMIN,SYSTEM_USER ON *.* TO `u`@`%`', ['BACKUP_ADMIN, SYSTEM_USER on *.*']],
    ["GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION", ["PROXY on ''@'%'", "GRANT OPTION on ''@'%'"]],
    ['GRANT `reader` TO `u`@`%` WITH ADMIN OPTION', ['ADMIN OPTION on role `reader`']],
    ['GRANT `reader` TO `u`@`%`', []],
    // Reading the mysql schema reads the password hashes: SELECT on *.* and any grant on `mysql`.
    ['GRANT SELECT ON *.* TO `u`@`%`', ['SELECT on *.* (includes the mysql schema and its password hashes)']],
    ['GRANT SELECT, SHOW VIEW, SHOW DATABASES ON *.* TO `u`@`%`', ['SELECT, SHOW VIEW on *.* (includes the mysql schema and its password hashes)']],
    ['GRANT SHOW DATABASES ON *.* TO `u`@`%`', []],
    ['GRANT SELECT ON `mysql`.* TO `u`@`%`', ['SELECT on `mysql`.* (the mysql schema holds the password hashes)']],
    ['GRANT SELECT ON `mysql`.`user` TO `u`@`%`', ['SELECT on `mysql`.`user` (the mysql schema holds the password hashes)']],
    ['GRANT SELECT (`User`, `Password`) ON mysql.user TO `u`@`%`', ['SELECT on mysql.user (the mysql schema holds the password hashes)']],
    ['GRANT SELECT ON `MySQL`.`global_priv` TO `u`@`%`', ['SELECT on `MySQL`.`global_priv` (the mysql schema holds the password hashes)']],
    ['GRANT SELECT ON `mysql_app`.* TO `u`@`%`', []],
    ['GRANT SELECT ON `my``sql`.* TO `u`@`%`', []],
  ])('%s -> %j', (line, expected) => {
    expect(findingsOf(line)).toEqual(expected);
  });

  it('returns the granted roles re-quoted, for following their grants', () => {
    expect(parseGrant('GRANT `read``er`, `r2`@`%` TO `u`@`%`')?.roles).toEqual(['`read``er`', '`r2`@`%`']);
  });

  it('ignores lines that grant nothing', () => {
    expect(parseGrant('SET DEFAULT ROLE `reader` FOR `u`@`%`')).toBeNull();
    expect(parseGrant('REVOKE INSERT ON `mysql`.* FROM `u`@`%`')).toBeNull();
  });
});
