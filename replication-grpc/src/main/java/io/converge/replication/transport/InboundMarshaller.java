package io.converge.replication.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.replication.transport.GrpcTransport.Inbound;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what a peer sends on {@code Exchange}, untrusted: refuses a message over {@code
 * maxMessageBytes} before parsing it ({@code OVERSIZED}) and bytes that do not parse as an {@link
 * Envelope} ({@code MALFORMED}), as {@link Inbound} values the {@link Connection} then refuses with
 * a status the peer sees, instead of an error deep in gRPC that the peer sees as a bare {@code
 * CANCELLED}. gRPC's own limit ({@link TransportSettings#hardInboundLimit()}) stops larger ones
 * before they are buffered. Runs on gRPC's call executor, never on a Netty event loop. Immutable.
 */
final class InboundMarshaller implements MethodDescriptor.Marshaller<Inbound> {

  private final int maxMessageBytes;

  private InboundMarshaller(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The server side of {@code Exchange}: inbound through this marshaller. */
  static MethodDescriptor<Inbound, Envelope> serverMethod(int maxMessageBytes) {
    return ReplicationGrpc.getExchangeMethod().toBuilder(
            new InboundMarshaller(maxMessageBytes),
            ProtoUtils.marshaller(Envelope.getDefaultInstance()))
        .build();
  }

  /** The client side of {@code Exchange}, with the same marshalling of what comes back. */
  static MethodDescriptor<Envelope, Inbound> clientMethod(int maxMessageBytes) {
    return ReplicationGrpc.getExchangeMethod().toBuilder(
            ProtoUtils.marshaller(Envelope.getDefaultInstance()),
            new InboundMarshaller(maxMessageBytes))
        .build();
  }

  /**
   * Reads the bytes of an inbound message: refuses them, OVERSIZED, if longer than {@code
   * maxMessageBytes} (before parsing), MALFORMED if they do not parse as an {@link Envelope}.
   */
  static Inbound read(byte[] bytes, int maxMessageBytes) {
    if (bytes.length > maxMessageBytes) {
      return new Inbound(
          null,
          Reject.Reason.OVERSIZED,
          "message of " + bytes.length + " bytes exceeds the limit of " + maxMessageBytes);
    }
    try {
      return new Inbound(Envelope.parseFrom(bytes), null, null);
    } catch (InvalidProtocolBufferException e) {
      return new Inbound(
          null,
          Reject.Reason.MALFORMED,
          "message of " + bytes.length + " bytes is not an Envelope: " + e.getMessage());
    }
  }

  @Override
  public InputStream stream(Inbound value) {
    return value.envelope().toByteString().newInput();
  }

  @Override
  public Inbound parse(InputStream stream) {
    byte[] bytes;
    try {
      bytes = stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read a message: " + e)
          .withCause(e)
          .asRuntimeException();
    }
    return read(bytes, maxMessageBytes);
  }
}
