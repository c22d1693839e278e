package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KineticsIndexTest {
  @TempDir Path root;

  @Test
  void csvFindsClipsWithAndWithoutLabelFolder() throws IOException {
    Ucf101IndexTest.touch(root.resolve("train/abseiling/aaa_000010_000020.mp4"));
    Ucf101IndexTest.touch(root.resolve("train/zumba/bbb_000000_000010.mp4"));
    Ucf101IndexTest.touch(root.resolve("val/ccc_000005_000015.mp4"));
    Files.writeString(
        root.resolve("train.csv"),
        "label,youtube_id,time_start,time_end,split\r\n"
            + "zumba,bbb,0,10,train\r\n"
            + "\"abseiling\",aaa,10,20,train\r\n"
            + "  \r\n");
    Files.writeString(
        root.resolve("val.csv"),
        "label,youtube_id,time_start,time_end,split\n"
            + "abseiling,ccc,5,15,val\n"
            + "zumba,ddd,1,11,val\n");
    DatasetIndex idx =
        KineticsIndex.loadCsv(root, root.resolve("train.csv"), root.resolve("val.csv"));
    assertEquals(List.of("abseiling", "zumba"), idx.classes());
    assertEquals(1, idx.train().get(0).label());
    assertEquals(root.resolve("train/zumba/bbb_000000_000010.mp4"), idx.train().get(0).path());
    assertEquals(root.resolve("val/ccc_000005_000015.mp4"), idx.test().get(0).path());
    assertEquals(2, idx.test().size(), "a missing clip stays listed");
    assertEquals(1, idx.problems().size());
    assertTrue(idx.problems().get(0).contains("ddd_000001_000011.mp4"), idx.problems().toString());

    DatasetIndex viaOpen = Datasets.open("kinetics", root, Map.of());
    assertEquals(idx.train(), viaOpen.train());
  }

  @Test
  void csvErrorsNameFileAndLine() throws IOException {
    Files.writeString(
        root.resolve("train.csv"),
        "label,youtube_id,time_start,time_end,split\nzumba,bbb,0,10,train\nzumba,bbb,x,10,train\n");
    Files.writeString(root.resolve("val.csv"), "label,youtube_id,time_start,time_end,split\n");
    ListFormatException e =
        assertThrows(
            ListFormatException.class,
            () -> KineticsIndex.loadCsv(root, root.resolve("train.csv"), root.resolve("val.csv")));
    assertTrue(e.getMessage().contains("train.csv:3"), e.getMessage());

    Files.writeString(
        root.resolve("train.csv"), "label,youtube_id,time_start,time_end,split\nzumba,bbb,0,10\n");
    e =
        assertThrows(
            ListFormatException.class,
            () -> KineticsIndex.loadCsv(root, root.resolve("train.csv"), root.resolve("val.csv")));
    assertTrue(e.getMessage().contains("train.csv:2"), e.getMessage());

    Files.writeString(
        root.resolve("train.csv"),
        "label,youtube_id,time_start,time_end,split\nzumba,bbb,0,10,train\n");
    Files.writeString(
        root.resolve("val.csv"), "label,youtube_id,time_start,time_end,split\nsalsa,q,0,10,val\n");
    e =
        assertThrows(
            ListFormatException.class,
            () -> KineticsIndex.loadCsv(root, root.resolve("train.csv"), root.resolve("val.csv")));
    assertTrue(
        e.getMessage().contains("val.csv:2") && e.getMessage().contains("salsa"), e.getMessage());
  }

  @Test
  void pathLabelListsWithAndWithoutClassesFile() throws IOException {
    Ucf101IndexTest.touch(root.resolve("clips/a.mp4"));
    Ucf101IndexTest.touch(root.resolve("clips/b.mp4"));
    Files.writeString(root.resolve("train.txt"), "clips/a.mp4 0\r\n clips/b.mp4\t2 \r\n");
    Files.writeString(root.resolve("val.txt"), "clips/a.mp4 1\n");
    Files.writeString(root.resolve("classes.txt"), "abseiling\nbalet\nzumba\n");
    DatasetIndex idx =
        KineticsIndex.loadList(
            root, root.resolve("train.txt"), root.resolve("val.txt"), root.resolve("classes.txt"));
    assertEquals(List.of("abseiling", "balet", "zumba"), idx.classes());
    assertEquals(2, idx.train().get(1).label());
    assertTrue(idx.problems().isEmpty(), idx.problems().toString());

    DatasetIndex unnamed =
        KineticsIndex.loadList(root, root.resolve("train.txt"), root.resolve("val.txt"), null);
    assertEquals(List.of("class_000", "class_001", "class_002"), unnamed.classes());

    Files.writeString(root.resolve("val.txt"), "clips/a.mp4 1\nclips/b.mp4 7\n");
    ListFormatException e =
        assertThrows(
            ListFormatException.class,
            () ->
                KineticsIndex.loadList(
                    root,
                    root.resolve("train.txt"),
                    root.resolve("val.txt"),
                    root.resolve("classes.txt")));
    assertTrue(e.getMessage().contains("val.txt:2"), e.getMessage());
    Files.writeString(root.resolve("val.txt"), "clips/a.mp4\n");
    e =
        assertThrows(
            ListFormatException.class,
            () ->
                KineticsIndex.loadList(
                    root, root.resolve("train.txt"), root.resolve("val.txt"), null));
    assertTrue(e.getMessage().contains("val.txt:1"), e.getMessage());
  }
}
