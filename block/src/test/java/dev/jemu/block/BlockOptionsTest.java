package dev.jemu.block;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockOptionsTest {

    @Test
    void parsesKeyValuePairsWithDoubledCommaEscapes() throws BlockException {
        BlockOptions o = BlockOptions.parse("driver=qcow2,file.filename=a,,b.img,cache=none,read-only=on", null);
        assertEquals("qcow2", o.get("driver"));
        assertEquals("a,b.img", o.get("file.filename"));
        assertEquals("none", o.get("cache"));
        assertTrue(o.getBool("read-only", false));
    }

    @Test
    void firstBareValueBelongsToTheImplicitKey() throws BlockException {
        BlockOptions o = BlockOptions.parse("disk.img,format=raw", "file");
        assertEquals("disk.img", o.get("file"));
        assertThrows(BlockException.class, () -> BlockOptions.parse("disk.img", null));
        assertThrows(BlockException.class, () -> BlockOptions.parse("a=1,bare", "file"));
    }

    @Test
    void childOptionsStripTheirPrefix() throws BlockException {
        BlockOptions o = BlockOptions.parse("backing.file.filename=b.qcow2,backing.driver=qcow2,x=1", null);
        BlockOptions b = o.child("backing");
        assertEquals("b.qcow2", b.get("file.filename"));
        assertEquals("qcow2", b.get("driver"));
        assertNull(o.child("nothing"));
    }

    @Test
    void refusesUnusedOptionsByName() throws BlockException {
        BlockOptions o = BlockOptions.parse("driver=raw,bogus=1", null);
        o.get("driver");
        BlockException e = assertThrows(BlockException.class, () -> o.checkAllUsed("raw"));
        assertEquals("Block format 'raw' does not support the option 'bogus'", e.getMessage());
    }

    @Test
    void parsesSizesWithSuffixes() throws BlockException {
        assertEquals(65536, BlockOptions.parseSize("s", "64k"));
        assertEquals(1L << 30, BlockOptions.parseSize("s", "1G"));
        assertEquals(1536L << 20, BlockOptions.parseSize("s", "1.5G"));
        assertEquals(512, BlockOptions.parseSize("s", "512"));
        assertThrows(BlockException.class, () -> BlockOptions.parseSize("s", "-1"));
        assertThrows(BlockException.class, () -> BlockOptions.parseSize("s", "9E"));
        assertThrows(BlockException.class, () -> BlockOptions.parseSize("s", "12x"));
    }

    @Test
    void rejectsBadBooleansAndDuplicates() {
        assertThrows(BlockException.class, () -> BlockOptions.parse("a=1,a=2", null));
        BlockException e = assertThrows(BlockException.class,
                () -> BlockOptions.parse("read-only=maybe", null).getBool("read-only", false));
        assertTrue(e.getMessage().contains("read-only"));
        assertFalse(BlockOptions.empty().has("x"));
    }

    @Test
    void cacheModesMapToQemuMeanings() throws BlockException {
        assertTrue(CacheMode.parse("none").direct());
        assertFalse(CacheMode.parse("none").writethrough());
        assertTrue(CacheMode.parse("directsync").writethrough());
        assertTrue(CacheMode.parse("unsafe").noFlush());
        assertTrue(CacheMode.parse("writethrough").writethrough());
        assertThrows(BlockException.class, () -> CacheMode.parse("fast"));
    }
}
