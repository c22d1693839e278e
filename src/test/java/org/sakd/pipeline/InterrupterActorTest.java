package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.data.Sample;

/**
 * The interruption stage (METHOD.md §1): dropout of floor(β·T) frames below η, a frame permutation
 * at or above.
 */
class InterrupterActorTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final int C = 3, T = 8, H = 4, W = 5, B = 5;
  static final double ETA = 0.5;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /**
   * Clips whose frames are all distinct and contain no zero, so dropped and moved frames can be
   * told apart.
   */
  private static ClipBatch batch() {
    Random rng = new Random(9);
    List<Sample> samples = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < B; i++) {
      float[] x = new float[C * T * H * W];
      for (int j = 0; j < x.length; j++) {
        x[j] = 1f + rng.nextFloat();
      }
      // Non-contiguous ids: the stage must keep them as given.
      samples.add(new Sample(10 * i + 3, "clip" + i, null, i % 3));
      clips.add(new Clip(x, C, T, H, W));
    }
    return new ClipBatch(samples, clips);
  }

  private static float[] frame(Clip c, int t) {
    int f = H * W;
    float[] out = new float[C * f];
    for (int ch = 0; ch < C; ch++) {
      System.arraycopy(c.data(), (ch * T + t) * f, out, ch * f, f);
    }
    return out;
  }

  private ClipBatch interrupt(
      ActorRef<InterrupterActor.Command> actor, ClipBatch in, double beta, long seed) {
    TestProbe<ClipBatch> probe = KIT.createTestProbe();
    actor.tell(new InterrupterActor.Interrupt(in, beta, ETA, seed, probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void belowEtaEachClipHasExactlyFloorBetaTZeroFrames() {
    ActorRef<InterrupterActor.Command> actor = KIT.spawn(InterrupterActor.create());
    ClipBatch in = batch();
    for (double beta : new double[] {0.0, 0.2, 0.3, 0.49}) {
      ClipBatch out = interrupt(actor, in, beta, 21);
      assertEquals(in.samples(), out.samples(), "sample order and ids kept");
      int expected = (int) Math.floor(beta * T);
      for (int i = 0; i < B; i++) {
        Clip a = in.clips().get(i);
        Clip b = out.clips().get(i);
        assertArrayEquals(a.shape(), b.shape());
        int zero = 0;
        for (int t = 0; t < T; t++) {
          float[] fb = frame(b, t);
          boolean allZero = true;
          for (float v : fb) {
            allZero &= v == 0f;
          }
          if (allZero) {
            zero++;
          } else {
            assertArrayEquals(
                frame(a, t), fb, "a kept frame is unchanged in place (β=" + beta + ")");
          }
        }
        assertEquals(expected, zero, "zero frames at β=" + beta + " in clip " + i);
      }
    }
  }

  @Test
  void atOrAboveEtaTheFramesArePermuted() {
    ActorRef<InterrupterActor.Command> actor = KIT.spawn(InterrupterActor.create());
    ClipBatch in = batch();
    for (double beta : new double[] {ETA, 0.8}) {
      ClipBatch out = interrupt(actor, in, beta, 5);
      assertEquals(in.samples(), out.samples());
      boolean anyMoved = false;
      for (int i = 0; i < B; i++) {
        Clip a = in.clips().get(i);
        Clip b = out.clips().get(i);
        boolean[] used = new boolean[T];
        for (int p = 0; p < T; p++) {
          float[] fb = frame(b, p);
          int src = -1;
          for (int t = 0; t < T; t++) {
            if (!used[t] && Arrays.equals(frame(a, t), fb)) {
              src = t;
              break;
            }
          }
          assertTrue(
              src >= 0, "output frame " + p + " of clip " + i + " is one of the input frames");
          used[src] = true;
          anyMoved |= src != p;
        }
      }
      assertTrue(anyMoved, "the shuffle moves frames");
    }
  }

  @Test
  void sameSeedGivesTheSameOutputAndAnotherSeedDiffers() {
    ActorRef<InterrupterActor.Command> actor = KIT.spawn(InterrupterActor.create());
    ClipBatch in = batch();
    for (double beta : new double[] {0.3, 0.7}) {
      ClipBatch a = interrupt(actor, in, beta, 77);
      ClipBatch b = interrupt(actor, in, beta, 77);
      ClipBatch c = interrupt(actor, in, beta, 78);
      boolean differs = false;
      for (int i = 0; i < B; i++) {
        assertArrayEquals(
            a.clips().get(i).data(), b.clips().get(i).data(), "same seed, same clip " + i);
        differs |= !Arrays.equals(a.clips().get(i).data(), c.clips().get(i).data());
      }
      assertTrue(differs, "another seed draws other frames (β=" + beta + ")");
    }
    // The input is left untouched.
    assertArrayEquals(batch().clips().get(0).data(), in.clips().get(0).data());
  }
}
