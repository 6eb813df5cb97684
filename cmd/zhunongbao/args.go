package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zhunongbao/zhunongbao/internal/policy"
	"github.com/zhunongbao/zhunongbao/internal/store"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

// agreementFlag declares --agreement: every command that names an
// agreement takes its id or its number.
func agreementFlag(fs *flag.FlagSet) *string {
	return fs.String("agreement", "", "协议 `ID|NO`：数字 id 或协议编号（如 1 或 ZY-2026-001）")
}

// findAgreement reads the agreement ref names: digits are its id (or, when
// no agreement has that id, its number), anything else its number.
func findAgreement(ctx context.Context, db *store.DB, ref string) (*policy.Agreement, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		a, err := db.GetAgreement(ctx, znb.System, id)
		if znb.CodeOf(err) != "not_found" {
			return a, err
		}
	}
	a, err := db.AgreementByNo(ctx, znb.System, ref)
	if znb.CodeOf(err) == "not_found" {
		return nil, znb.Errorf(znb.NotFound, "not_found", "协议 %s 不存在", ref)
	}
	return a, err
}

// checkOutput refuses, before any work is done, an output file whose folder
// does not exist: the file is written at the end, after what may be a long
// run.
func checkOutput(path string) error {
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return usageError{"output_folder_missing", fmt.Sprintf("输出文件夹 %s 不存在：请先创建它，或用 -o 指向已有的文件夹", dir)}
	}
	return nil
}
