package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ReplicaIdTest {

  private final ReplicaId r1 = ReplicaId.of("eu-west");
  private final ReplicaId r2 = ReplicaId.of("us-east");
  private final ReplicaId r3 = ReplicaId.of("us-west");

  @Test
  void of_sameName_returnsTheSameInstance_andDistinctNamesDiffer() {
    ReplicaId a = ReplicaId.of("interned-" + System.nanoTime());
    ReplicaId again = ReplicaId.of(new String(a.name().toCharArray()));
    assertSame(a, again);
    assertNotEquals(a, ReplicaId.of(a.name() + "x"));
  }

  @Test
  void of_validName_keepsName() {
    ReplicaId id = ReplicaId.of("Az09._-");
    assertEquals("Az09._-", id.name());
    assertEquals("Az09._-", id.toString());
  }

  @Test
  void of_everyAllowedCharacter_accepted() {
    String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    String others = "0123456789._-";
    assertEquals(letters, ReplicaId.of(letters).name());
    assertEquals(others, ReplicaId.of(others).name());
  }

  @Test
  void of_singleCharacter_accepted() {
    assertEquals("a", ReplicaId.of("a").name());
  }

  @Test
  void of_maxLength_accepted() {
    String name = "a".repeat(ReplicaId.MAX_LENGTH);
    assertEquals(64, name.length());
    assertEquals(name, ReplicaId.of(name).name());
  }

  @Test
  void of_null_throwsNullPointerNamingParameter() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> ReplicaId.of(null));
    assertEquals("name", e.getMessage());
  }

  @Test
  void of_emptyName_rejectedWithName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(""));
    assertTrue(e.getMessage().contains("length=0"), e.getMessage());
    assertTrue(e.getMessage().contains("name=\"\""), e.getMessage());
  }

  @Test
  void of_tooLong_rejectedWithLengthAndName() {
    String name = "b".repeat(ReplicaId.MAX_LENGTH + 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(name));
    assertTrue(e.getMessage().contains("length=65"), e.getMessage());
    assertTrue(e.getMessage().contains("name=\"" + name + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("1 to 64"), e.getMessage());
  }

  @Test
  void of_veryLongName_messageAbbreviatesName() {
    String name = "x".repeat(1000);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(name));
    assertTrue(e.getMessage().contains("length=1000"), e.getMessage());
    assertTrue(e.getMessage().contains("name=\"" + "x".repeat(128) + "...\""), e.getMessage());
    assertFalse(e.getMessage().contains("x".repeat(129)), e.getMessage());
  }

  @Test
  void of_space_rejectedWithNameCodeAndIndex() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("us east"));
    assertTrue(e.getMessage().contains("name=\"us east\""), e.getMessage());
    assertTrue(e.getMessage().contains("bad character U+0020 at index 2"), e.getMessage());
  }

  @Test
  void of_slash_rejectedWithNameCharacterAndIndex() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("us/east"));
    assertTrue(e.getMessage().contains("name=\"us/east\""), e.getMessage());
    assertTrue(e.getMessage().contains("bad character '/' (U+002F) at index 2"), e.getMessage());
  }

  @Test
  void of_nonAsciiLetter_rejectedWithNameCharacterAndIndex() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("caf\u00e9"));
    assertTrue(e.getMessage().contains("name=\"caf\u00e9\""), e.getMessage());
    assertTrue(
        e.getMessage().contains("bad character '\u00e9' (U+00E9) at index 3"), e.getMessage());
  }

  @Test
  void of_controlCharacters_rejectedWithCode() {
    for (char ch : new char[] {'\0', '\t', '\n', '\u001b', '\u007f', '\u0085'}) {
      String name = "a" + ch;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(name), name);
      String code = String.format("U+%04X", (int) ch);
      assertTrue(e.getMessage().contains("bad character " + code + " at index 1"), e.getMessage());
      assertFalse(e.getMessage().contains("'" + ch + "'"), e.getMessage());
    }
  }

  @Test
  void of_otherPunctuation_rejected() {
    for (String name : List.of("a:b", "a@b", "a+b", "a b", "a\\b", "a~b", "a,b", "a=b", "\u0430")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(name), name);
      assertTrue(e.getMessage().contains("name=\"" + name + "\""), e.getMessage());
    }
  }

  @Test
  void of_badCharacterAfterValidPrefix_reportsFirstBadIndex() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("abc!d?"));
    assertTrue(e.getMessage().contains("'!' (U+0021) at index 3"), e.getMessage());
  }

  @Test
  void compareTo_asciiOrder_uppercaseBeforeLowercase() {
    assertTrue(ReplicaId.of("B").compareTo(ReplicaId.of("a")) < 0);
    assertTrue(ReplicaId.of("a").compareTo(ReplicaId.of("B")) > 0);
    assertTrue(ReplicaId.of("Z").compareTo(ReplicaId.of("_")) < 0);
    assertTrue(ReplicaId.of("_").compareTo(ReplicaId.of("a")) < 0);
  }

  @Test
  void compareTo_punctuationAndDigits_asciiOrder() {
    List<ReplicaId> ids = new ArrayList<>();
    for (String s : List.of("a", "_", "A", "0", ".", "-", "9", "z", "Z")) {
      ids.add(ReplicaId.of(s));
    }
    Collections.sort(ids);
    List<String> names = new ArrayList<>();
    for (ReplicaId id : ids) {
      names.add(id.name());
    }
    assertEquals(List.of("-", ".", "0", "9", "A", "Z", "_", "a", "z"), names);
  }

  @Test
  void compareTo_prefix_sortsFirst() {
    assertTrue(ReplicaId.of("us").compareTo(ReplicaId.of("us-east")) < 0);
    assertTrue(ReplicaId.of("us-east").compareTo(ReplicaId.of("us")) > 0);
  }

  @Test
  void compareTo_sameName_returnsZero() {
    assertEquals(0, r1.compareTo(r1));
    assertEquals(0, r1.compareTo(ReplicaId.of("eu-west")));
  }

  @Test
  void compareTo_tie_breaksDeterministicallyRegardlessOfInputOrder() {
    List<ReplicaId> forward = new ArrayList<>(List.of(r1, r2, r3));
    List<ReplicaId> backward = new ArrayList<>(List.of(r3, r2, r1));
    List<ReplicaId> mixed = new ArrayList<>(List.of(r2, r3, r1));
    Collections.sort(forward);
    Collections.sort(backward);
    Collections.sort(mixed);
    assertEquals(List.of(r1, r2, r3), forward);
    assertEquals(forward, backward);
    assertEquals(forward, mixed);
    // antisymmetric
    assertTrue(r1.compareTo(r2) < 0 && r2.compareTo(r1) > 0);
    assertTrue(r2.compareTo(r3) < 0 && r3.compareTo(r2) > 0);
  }

  @Test
  void compareTo_consistentWithEquals() {
    ReplicaId[] ids = {r1, r2, r3, ReplicaId.of("eu-west"), ReplicaId.of("EU-west")};
    for (ReplicaId x : ids) {
      for (ReplicaId y : ids) {
        assertEquals(x.equals(y), x.compareTo(y) == 0, x + " vs " + y);
        assertEquals(Integer.signum(x.compareTo(y)), -Integer.signum(y.compareTo(x)));
      }
    }
    ReplicaId[] sorted = ids.clone();
    Arrays.sort(sorted);
    assertEquals("EU-west", sorted[0].name());
  }

  @Test
  void equals_sameName_equalWithSameHashCode() {
    ReplicaId a = ReplicaId.of("us-east");
    ReplicaId b = ReplicaId.of("us-east");
    assertEquals(a, b);
    assertEquals(b, a);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals("us-east".hashCode(), a.hashCode());
    assertEquals(a, a);
  }

  @Test
  void equals_differentNameOrType_notEqual() {
    assertNotEquals(r1, r2);
    assertNotEquals(ReplicaId.of("a"), ReplicaId.of("A"));
    assertNotEquals(r1, "eu-west");
    assertFalse(r1.equals(null));
  }
}
