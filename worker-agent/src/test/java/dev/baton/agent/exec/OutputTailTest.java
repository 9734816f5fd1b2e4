package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputTailTest {

  @Test
  void keepsEverythingBelowCapacity() {
    OutputTail tail = new OutputTail(10);
    tail.append(bytes("abc"), 0, 3);
    tail.append(bytes("xdefx"), 1, 3);
    assertArrayEquals(bytes("abcdef"), tail.snapshot());
    assertEquals(6, tail.written());
  }

  @Test
  void keepsTheLastCapacityBytesAcrossTheWrap() {
    OutputTail tail = new OutputTail(4);
    tail.append(bytes("abc"), 0, 3);
    tail.append(bytes("def"), 0, 3);
    assertArrayEquals(bytes("cdef"), tail.snapshot());
    tail.append(bytes("0123456789"), 0, 10);
    assertArrayEquals(bytes("6789"), tail.snapshot());
    assertEquals(16, tail.written());
  }

  @Test
  void zeroCapacityKeepsNothingButCounts() {
    OutputTail tail = new OutputTail(0);
    tail.append(bytes("abc"), 0, 3);
    assertArrayEquals(new byte[0], tail.snapshot());
    assertEquals(3, tail.written());
  }

  @Test
  void matchesANaiveTailOnRandomAppends() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      int capacity = random.nextInt(round < 100 ? 50 : 2000);
      OutputTail tail = new OutputTail(capacity);
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) {
        byte[] data = new byte[random.nextInt(round < 100 ? 120 : 700)];
        random.nextBytes(data);
        int offset = data.length == 0 ? 0 : random.nextInt(data.length);
        int length = data.length - offset == 0 ? 0 : random.nextInt(data.length - offset + 1);
        tail.append(data, offset, length);
        all.write(data, offset, length);
        byte[] expected = all.toByteArray();
        expected = Arrays.copyOfRange(expected, Math.max(0, expected.length - capacity), expected.length);
        assertArrayEquals(expected, tail.snapshot(), "round " + round + " append " + i);
        assertEquals(all.size(), tail.written());
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
