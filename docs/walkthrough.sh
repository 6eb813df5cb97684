#!/usr/bin/env bash
# 五分钟上手：README.md 里的上手步骤就是这个脚本（以本文件为准），可整段复制执行，任何日期都能跑通。
# 在仓库根目录、一个新数据库上运行：先在一个终端 `make run`，再在另一个终端 `bash docs/walkthrough.sh`。
# 命令行 ./bin/zhunongbao 与服务用同一个数据库（configs/config.yaml 或环境变量 ZNB_DB）；
# 服务不在 http://localhost:8080 时设 ZNB_URL。每一步的编号、密钥都从上一步的回答里取，存进 shell 变量。
set -euo pipefail

URL=${ZNB_URL:-http://localhost:8080}
YEAR=$(TZ=CST-8 date +%Y)  # 保险期间取今年（按北京时间）
TODAY=$(TZ=CST-8 date +%F) # 出险日期取今天

# keep KEY：把标准输入上的 JSON 回答原样显示（stderr），并输出其中第一个 "KEY" 的值（字符串或数字）。
keep() {
    local answer value
    answer=$(cat)
    printf '%s\n' "$answer" >&2
    value=$(printf '%s\n' "$answer" | grep -oE "\"$1\": *\"?[^\",}]*" | sed -nE '1s/.*: *"?//p')
    [ -n "$value" ] || { echo "回答里没有 $1" >&2; return 1; }
    printf '%s\n' "$value"
}

echo '# 1. 建管理员和一个县扶贫办账号（API 密钥只显示这一次）'
./bin/zhunongbao user create --username admin --role admin
OFFICE=$(./bin/zhunongbao user create --username zhenyuan-office --role office --scope 522625 | keep api_key)

echo '# （可选）载入区划名称，报表里的县、乡镇就会显示名称而不只是代码'
./bin/zhunongbao region load configs/regions/522625.csv
# → {"regions":1,"inserted":1,"updated":0,"unchanged":0,"rejected":[]}；示例文件只有“522625,镇远县”一行，
#   乡镇、村名称请按本县实际补充（格式见 docs/reports.md 第四节）。也可用 HTTP：PUT /api/v1/regions（-F file=@...）

echo '# 2. 生成一份演示名单（3000 户，身份证号校验位真实有效），通过 HTTP 上传'
./bin/zhunongbao gen households --county 522625 --households 3000 -o demo.csv
LIST=$(curl -sS --fail-with-body -H "Authorization: Bearer $OFFICE" \
    -F county=522625 -F effective_date="$YEAR-01-01" -F file=@demo.csv \
    "$URL/api/v1/lists" | keep list_id)
# → 201 {"list_id":1,"county":"522625","households":3000,"members":...,"rejected":[],"cross_county":[]}

echo '# 3. 按户编号或身份证号查户（扶贫办看全号；审计角色看到掩码）'
curl -sS --fail-with-body -H "Authorization: Bearer $OFFICE" \
    "$URL/api/v1/households?household_no=5226251012010001" | keep household_no

echo '# 4. 名单有错时：全部拒收，逐行列出错误（行号与 Excel 一致，表头为第 1 行）；加 -F partial=true 则只导入没有错误的整户'
CODE=$(curl -sS -H "Authorization: Bearer $OFFICE" -F county=522625 -F effective_date="$YEAR-01-01" \
    -F file=@docs/examples/有错的名单.csv "$URL/api/v1/lists" | keep code)
test "$CODE" = list_rejected
# → 422 {"error":{"code":"list_rejected",...},"rejected":[{"row":5,"column":"id_number","code":"id_check_digit","message":"..."},...]}

echo '# 5. 命令行导入（大名单更快，带进度条），比较两个版本'
LIST2=$(./bin/zhunongbao list import --county 522625 --effective "$YEAR-07-01" demo.csv | keep list_id)
curl -sS --fail-with-body -H "Authorization: Bearer $OFFICE" "$URL/api/v1/lists/$LIST/diff/$LIST2"
echo

# ---- 从协议到理赔、对账（标准产品 configs/products/ 在首次启动时已自动载入）----
echo '# 6. 扶贫办签协议并生效（示例协议 configs/agreements/example.yaml 的保险期间改成今年）'
AGREEMENT=$(sed "s/2026/$YEAR/g" configs/agreements/example.yaml |
    curl -sS --fail-with-body -H "Authorization: Bearer $OFFICE" -H "Content-Type: application/yaml" \
        --data-binary @- "$URL/api/v1/agreements" | keep id)
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $OFFICE" "$URL/api/v1/agreements/$AGREEMENT/activate"
echo

echo '# 7. 承保机构的出单员、查勘理算员、核赔员；批量出单（同一名单再出一次什么也不写；新版名单出单即为批改）'
CLERK=$(./bin/zhunongbao user create --username picc-clerk --role insurer_clerk --scope PICC-ZY | keep api_key)
ADJUSTER=$(./bin/zhunongbao user create --username picc-adjuster --role adjuster --scope PICC-ZY | keep api_key)
APPROVER=$(./bin/zhunongbao user create --username picc-approver --role approver --scope PICC-ZY | keep api_key)
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $CLERK" -H "Content-Type: application/json" \
    -d "{\"list_id\":$LIST}" "$URL/api/v1/agreements/$AGREEMENT/issue" | keep master_policy_no
# → {"master_policy_no":"ZNB5226252026001","certificates":...,"persons":...,"premium":"...","excluded":[...]}

echo '# 8. 打印一个村的明白卡（每户正反两面一张，按户编号排序）；扫卡上的二维码打开 /verify 验真'
./bin/zhunongbao cards --agreement "$AGREEMENT" --village 522625101201 -o 山堡村.pdf

echo '# 9. 报案 → 查勘理算 → 核赔（核赔人不能是理算人）→ 支付'
CERT=$(curl -sS --fail-with-body -H "Authorization: Bearer $CLERK" \
    "$URL/api/v1/certificates?household_no=5226251012010001" | keep certificate_no)
CLAIM=$(curl -sS --fail-with-body -X POST -H "Authorization: Bearer $CLERK" -H "Content-Type: application/json" \
    -d "{\"certificate_no\":\"$CERT\",\"line\":\"property\",\"incident_date\":\"$TODAY\",\"cause\":\"火灾\",\"description\":\"厨房失火\"}" \
    "$URL/api/v1/claims" | keep claim_no)
# → {"claim_no":"CLM20261130000001",...}：理赔号含报案日期，之后的命令都用 $CLAIM
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADJUSTER" -H "Content-Type: application/json" \
    -d '{"structure_loss":"12000.00","decoration_loss":"4000.00","appliance_loss":"1500.00"}' \
    "$URL/api/v1/claims/$CLAIM/assess" | keep payable
# → payable 16300.00 与逐步计算明细
# 出险在保障起期后 30 天内（例如 1 月上旬）等情形，案件带风险信号（"signals" 不为空），须另一名核赔人先写复核意见
if curl -sS --fail-with-body -H "Authorization: Bearer $CLERK" "$URL/api/v1/claims/$CLAIM" | grep -q '"signals":\[{'; then
    REVIEWER=$(./bin/zhunongbao user create --username picc-reviewer --role approver --scope PICC-ZY | keep api_key)
    curl -sS --fail-with-body -X POST -H "Authorization: Bearer $REVIEWER" -H "Content-Type: application/json" \
        -d '{"note":"已电话回访，火灾属实"}' "$URL/api/v1/claims/$CLAIM/review" | keep status
fi
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $APPROVER" "$URL/api/v1/claims/$CLAIM/approve" | keep status
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $CLERK" -H "Content-Type: application/json" \
    -d '{"payment_ref":"BANK-001"}' "$URL/api/v1/claims/$CLAIM/pay" | keep status

echo '# 10. 保费补贴对账：按平台出具的凭证（或 --statement 上传承保机构的对账清单），导出 XLSX'
./bin/zhunongbao reconcile --agreement "$AGREEMENT" --list "$LIST" -o 对账.xlsx
