// Sample events of SCF's triggers, in the shapes SCF delivers them (timer, COS, API gateway, CKafka, CMQ): the
// starting point of `sls invoke local --event KIND`. Pure.

export const SAMPLE_EVENT_KINDS = ['timer', 'cos', 'apigw', 'ckafka', 'cmq'] as const;
export type SampleEventKind = (typeof SAMPLE_EVENT_KINDS)[number];

export function isSampleEventKind(kind: string): kind is SampleEventKind {
  return (SAMPLE_EVENT_KINDS as readonly string[]).includes(kind);
}

/** The sample event of a trigger kind, stamped with `nowMs`. */
export function sampleEvent(kind: SampleEventKind, nowMs: number, region = 'ap-guangzhou'): Record<string, unknown> {
  const iso = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const seconds = Math.floor(nowMs / 1000);
  switch (kind) {
    case 'timer':
      return { Type: 'Timer', TriggerName: 'EveryDay', Time: iso, Message: 'user define msg body' };
    case 'cos':
      return {
        Records: [
          {
            cos: {
              cosSchemaVersion: '1.0',
              cosObject: {
                url: `http://examplebucket-1250000000.cos.${region}.myqcloud.com/folder/object.txt`,
                meta: { 'x-cos-request-id': 'NWU0ZDU2ZjdfOWMyZDA3MDlfMjI1Nl8xMjM0NTY3', 'Content-Type': 'text/plain' },
                vid: '',
                key: '/1250000000/examplebucket/folder/object.txt',
                size: 1024,
              },
              cosBucket: { region, name: 'examplebucket', appid: '1250000000' },
              cosNotificationId: 'unknown',
            },
            event: {
              eventName: 'cos:ObjectCreated:Put',
              eventVersion: '1.0',
              eventTime: seconds,
              eventSource: 'qcs::cos',
              requestParameters: { requestSourceIP: '192.168.15.101', requestHeaders: { Authorization: 'q-sign-algorithm=sha1' } },
              eventQueue: 'qcs:0:lambda:cd:appid/1250000000:default.printevent.$LATEST',
              reservedInfo: '',
              reqid: 179398952,
            },
          },
        ],
      };
    case 'apigw':
      return {
        requestContext: {
          serviceId: 'service-f94sy04v',
          path: '/test/{path}',
          httpMethod: 'POST',
          requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
          identity: { secretId: 'abdcdxxxxxxxsdfs' },
          sourceIp: '10.0.2.14',
          stage: 'release',
        },
        headers: { 'Accept-Language': 'en-US,en,cn', Accept: 'text/html,application/xml,application/json', Host: 'service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqcloud.com', 'User-Agent': 'User Agent String' },
        body: '{"test":"body"}',
        pathParameters: { path: 'value' },
        queryStringParameters: { foo: 'bar' },
        headerParameters: { Refer: '10.0.2.14' },
        stageVariables: { stage: 'release' },
        path: '/test/value',
        queryString: { foo: 'bar', bob: 'alice' },
        httpMethod: 'POST',
      };
    case 'ckafka':
      return {
        Records: [
          { Ckafka: { topic: 'test-topic', partition: 1, offset: 36, msgKey: 'None', msgBody: 'Hello from Ckafka!' } },
          { Ckafka: { topic: 'test-topic', partition: 1, offset: 37, msgKey: 'None', msgBody: 'Hello from Ckafka again!' } },
        ],
      };
    case 'cmq':
      return {
        Records: [
          {
            CMQ: {
              type: 'topic',
              topicOwner: 1250000000,
              topicName: 'testtopic',
              subscriptionName: 'xxxxxx',
              publishTime: iso.replace('Z', '.000Z'),
              msgId: '123345346',
              requestId: '123345346',
              msgBody: 'Hello from CMQ!',
              msgTag: ['tag1', 'tag2'],
            },
          },
        ],
      };
  }
}
