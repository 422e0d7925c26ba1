// Original file: proto/grpc/health/v1/health.proto


export interface HealthCheckRequest {
  /**
   * "" for the server as a whole, or a fully-qualified service name.
   */
  'service'?: (string);
}

export interface HealthCheckRequest__Output {
  /**
   * "" for the server as a whole, or a fully-qualified service name.
   */
  'service': (string);
}
