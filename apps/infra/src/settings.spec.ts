import { describe, expect, it } from 'vitest';
import { readDeploySettings } from './settings.js';
import { cdkJsonContext } from './testing/test-settings.js';

const fromCdkJson = (key: string) => cdkJsonContext()[key];

describe('Function: readDeploySettings', () => {
  it('reads the cdk.json context, and environment variables win over it', () => {
    const settings = readDeploySettings(fromCdkJson, {
      RDS_S3_EXPORT_VPC_ID: ' vpc-0fedcba9876543210 ',
      RDS_S3_EXPORT_DATABASE_PORT: '3306',
      RDS_S3_EXPORT_DATABASE_SECRET_ARN: '',
    });
    expect(settings).toMatchObject({
      stage: 'dev',
      vpcId: 'vpc-0fedcba9876543210',
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
      databasePort: 3306,
      createVpcEndpoints: true,
    });
    expect(settings.databaseSecretArn).toBeUndefined();
  });

  it('names the missing or wrong setting', () => {
    expect(() => readDeploySettings(() => undefined, {})).toThrow(
      'setting "privateSubnetIds" is missing: pass -c rds-s3-export:privateSubnetIds=... or set RDS_S3_EXPORT_PRIVATE_SUBNET_IDS',
    );
    expect(() => readDeploySettings(fromCdkJson, { RDS_S3_EXPORT_DATABASE_PORT: 'x' })).toThrow('"databasePort" must be a port number');
    expect(() => readDeploySettings(fromCdkJson, { RDS_S3_EXPORT_PRIVATE_SUBNET_ROUTE_TABLE_IDS: 'rtb-1' })).toThrow('one route table per subnet');
  });

  it('refuses to deploy a stage with the example network of cdk.json', () => {
    expect(() => readDeploySettings(fromCdkJson, { DEPLOY_STAGE: 'staging' })).toThrow('DEPLOY_STAGE=staging but the network settings are the examples');
    expect(readDeploySettings(fromCdkJson, { DEPLOY_STAGE: 'staging', RDS_S3_EXPORT_VPC_ID: 'vpc-0fedcba9876543210' }).stage).toBe('staging');
  });
});
