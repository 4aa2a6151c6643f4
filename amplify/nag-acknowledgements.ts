/**
 * cdk-nag AwsSolutions findings in OUR constructs that are accepted, each with the reason. Matched
 * by rule and construct path (finding ids embed CloudFormation tokens such as cross-stack parameter
 * names, so exact ids cannot be written by hand); the synth report applies them as CDK
 * acknowledgements. Findings inside Amplify's own constructs are reported for information only.
 * Keep this list short: every entry is a decision someone reviewed.
 */
export interface NagAcknowledgement {
  rule: RegExp;
  path: RegExp;
  reason: string;
  /** Set when the finding exists only with a deploy-time setting (the tests synthesize the defaults). */
  onlyWith?: string;
}

const ourFunctionPolicy = /\/data\/[a-z-]+-lambda\/ServiceRole\/DefaultPolicy\/Resource$/;
const glueRole = /\/tiktok-pipeline\/GlueTransform\/Role\/Resource$/;

export const NAG_ACKNOWLEDGEMENTS: NagAcknowledgement[] = [
  {
    rule: /^AwsSolutions-IAM5\[Resource::.*\/jobs\/\*\]$/,
    path: new RegExp(`${ourFunctionPolicy.source}|${glueRole.source}`),
    reason: 'Objects under jobs/ of the artifacts bucket: job ids are made at run time, so the key is a prefix.',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::.*\/uploads\/\*\]$/,
    path: new RegExp(`${ourFunctionPolicy.source}|${glueRole.source}`),
    reason: 'Input files under the data prefix (uploads/ of Amplify storage): people choose them at run time.',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::<.*DataBucket.*\.Arn>\/\*\]$|^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::[a-z0-9.-]+\/\*\]$/,
    path: new RegExp(`${ourFunctionPolicy.source}|${glueRole.source}`),
    reason:
      'An existing data bucket named at deploy time is read-only to the app and read as a whole (any file a person picks).',
    onlyWith: 'AU_DATA_BUCKET_NAME',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws-glue\/\*(:log-stream:\*)?\]$/,
    path: glueRole,
    reason: 'Glue names its continuous-logging log groups per security configuration and run under /aws-glue/.',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: glueRole,
    reason:
      'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the Glue namespace.',
  },
  {
    rule: /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\]$/,
    path: /\/data\/[a-z-]+-lambda\/ServiceRole\/Resource$|\/tiktok-pipeline\/BucketNotificationsHandler[0-9a-f]+\/Role\/Resource$/,
    reason:
      'Writing the function’s own CloudWatch logs (attached by Amplify defineFunction and by CDK’s bucket-notification handler).',
  },
];

/** Construct paths of our own resources (everything else in the assembly is Amplify-managed). */
export const OUR_CONSTRUCTS = /\/tiktok-pipeline\/|\/data\/[a-z-]+-lambda\/|\/auth\/FirstAdmin/;
