package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/zhunongbao/zhunongbao/internal/card"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func init() {
	commands["cards"] = command{"--agreement ID|NO [--village CODE | --certificate NO] -o FILE.pdf|FOLDER", cards}
	summaries["cards"] = "打印明白卡 PDF：一户（--certificate）、一个村（--village），或整份协议每村一个文件"
}

type cardFileJSON struct {
	File    string `json:"file"`
	Village string `json:"village,omitempty"`
	Cards   int    `json:"cards"`
}

// cards writes service card PDFs: one certificate's card, one village's
// print file, or with --agreement alone one file per village into the
// folder -o names.
func cards(ctx context.Context, e *env, args []string) error {
	fs := flags("cards")
	agreement := agreementFlag(fs)
	village := fs.String("village", "", "只打印这个村：12 位村代码或村名 `CODE`，写成一个 PDF")
	certificate := fs.String("certificate", "", "只打印这一户：分户凭证号 `NO`（如 ZNB5226252026001-000001）")
	out := fs.String("o", "", "输出 `PATH`：给了 --village 或 --certificate 时是一个 .pdf 文件，否则是文件夹（不存在就新建），每村一个文件")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *agreement == "":
		return usagef("须给出 --agreement（协议 id 或协议编号）")
	case *village != "" && *certificate != "":
		return usagef("--village 与 --certificate 只能给出一个")
	case *out == "":
		return usagef("须用 -o 指定输出文件（或 --agreement 单独使用时的输出文件夹）")
	}
	if *village != "" || *certificate != "" {
		if err := checkOutput(*out); err != nil {
			return err
		}
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	a, err := findAgreement(ctx, db, *agreement)
	if err != nil {
		return err
	}
	r, err := reportRenderer(e)
	if err != nil {
		return err
	}
	secret, err := cardSecret(ctx, e.cfg, db)
	if err != nil {
		return err
	}
	base, err := baseURL(ctx, e.cfg, db)
	if err != nil {
		return err
	}
	p := &card.Printer{Source: db, Renderer: r, Secret: secret, BaseURL: base}
	by := znb.System
	start := time.Now()
	var files []cardFileJSON
	switch {
	case *certificate != "":
		v, err := db.GetCertificate(ctx, by, *certificate)
		if err != nil {
			return err
		}
		if v.AgreementID != a.ID {
			return znb.Errorf(znb.Invalid, "certificate_not_in_agreement", "分户凭证 %s 不属于协议 %s", v.No, *agreement)
		}
		err = writeAtomic(*out, func(w io.Writer) error { return p.Certificate(ctx, w, by, v.No) })
		if err != nil {
			return err
		}
		files = append(files, cardFileJSON{File: *out, Cards: 1})
	case *village != "":
		villages, err := db.CertificateVillages(ctx, a.ID)
		if err != nil {
			return err
		}
		total := -1
		for _, v := range villages {
			if v.RegionCode == *village || v.Name == *village {
				total = v.Certificates
			}
		}
		n, err := villageFile(ctx, e, p, a.ID, *village, *out, total)
		if err != nil {
			return err
		}
		files = append(files, cardFileJSON{File: *out, Village: *village, Cards: n})
	default:
		villages, err := db.CertificateVillages(ctx, a.ID)
		if err != nil {
			return err
		}
		if len(villages) == 0 {
			return znb.Errorf(znb.Invalid, "no_cards", "协议 %s 尚未出单，没有可打印的明白卡", *agreement)
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return usageError{"output_folder_missing", fmt.Sprintf("无法建立输出文件夹 %s：%v", *out, err)}
		}
		if files, err = villageFiles(ctx, e, p, a.ID, villages, *out); err != nil {
			return err
		}
	}
	sum := 0
	for _, f := range files {
		sum += f.Cards
	}
	e.log.Info("cards written", "files", len(files), "cards", sum, "took", time.Since(start).Round(time.Millisecond))
	return e.print(map[string]any{"files": files, "cards": sum})
}

// villageFile writes one village's print file with a progress bar on
// stderr and returns the number of cards.
func villageFile(ctx context.Context, e *env, p *card.Printer, agreementID int64, village, path string, total int) (int, error) {
	bar := newBarOf(e, total, "明白卡 "+village, "张")
	n, err := writeVillage(ctx, p, agreementID, village, path, func() { bar.Add(1) })
	bar.End(err)
	fmt.Fprintln(e.stderr)
	return n, err
}

// writeVillage writes one village's print file at path (writeAtomic) and
// returns how many cards it holds; done follows each card.
func writeVillage(ctx context.Context, p *card.Printer, agreementID int64, village, path string, done func()) (int, error) {
	n := 0
	err := writeAtomic(path, func(w io.Writer) error {
		return p.Village(ctx, w, znb.System, agreementID, village, func() { n++; done() })
	})
	return n, err
}

// villageFiles writes each village's print file into folder, villages side
// by side on every core (card.PrintAll), under one bar that counts the
// agreement's cards; a line names each village as its file is written.
func villageFiles(ctx context.Context, e *env, p *card.Printer, agreementID int64, villages []store.CertificateVillage, folder string) ([]cardFileJSON, error) {
	total := 0
	for _, v := range villages {
		total += v.Certificates
	}
	var mu sync.Mutex // the bar and stderr
	bar := newBarOf(e, total, fmt.Sprintf("明白卡 %d 个村", len(villages)), "张")
	files := make([]cardFileJSON, len(villages))
	written := 0
	err := card.PrintAll(ctx, len(villages), func(ctx context.Context, i int) error {
		v := villages[i]
		path := filepath.Join(folder, card.VillageFileName(v.RegionCode, v.Name))
		n, err := writeVillage(ctx, p, agreementID, v.RegionCode, path, func() {
			mu.Lock()
			bar.Add(1)
			mu.Unlock()
		})
		if err != nil {
			return err
		}
		files[i] = cardFileJSON{File: path, Village: v.RegionCode, Cards: n}
		mu.Lock()
		written++
		fmt.Fprintf(e.stderr, "\n[%d/%d] %s %s：%d 张\n", written, len(villages), v.RegionCode, v.Name, n)
		mu.Unlock()
		return nil
	})
	bar.End(err)
	fmt.Fprintln(e.stderr)
	return files, err
}

// writeAtomic writes a file through a temporary one renamed at the end, so
// that a failed or interrupted run leaves no half-written PDF behind.
func writeAtomic(path string, write func(w io.Writer) error) error {
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
