package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bytes of a run's output reaching a writer (a Main built on writers). */
class DecodingOutputStreamTest {
  @Test
  void aCharacterSplitBetweenWritesIsDecodedWhole() throws Exception {
    StringWriter text = new StringWriter();
    byte[] bytes = "größe €\n".getBytes(StandardCharsets.UTF_8);
    try (DecodingOutputStream out = new DecodingOutputStream(text)) {
      for (byte b : bytes) {
        out.write(new byte[] {b}, 0, 1);
      }
      out.flush();
      assertEquals("größe €\n", text.toString());
      out.write(new byte[] {(byte) 0xe2, (byte) 0x82});
    }
    assertEquals("größe €\n\ufffd", text.toString(), "an unfinished character is shown as U+FFFD");
  }
}
