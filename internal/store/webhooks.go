package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"gorm.io/gorm"

	"github.com/zhunongbao/zhunongbao/internal/notify"
	"github.com/zhunongbao/zhunongbao/internal/znb"
)

func (r *subscriptionRow) subscription() notify.Subscription {
	s := notify.Subscription{ID: r.ID, Name: r.Name, URL: r.URL, Region: r.Region, Insurer: r.Insurer, Active: r.Active == 1}
	for _, e := range strings.Split(r.Events, ",") {
		s.Events = append(s.Events, notify.Event(e))
	}
	return s
}

// CreateSubscription subscribes a system to events; the answer carries the
// signing secret, which is never shown again.
func (db *DB) CreateSubscription(ctx context.Context, by znb.Actor, s notify.Subscription) (*notify.Subscription, error) {
	if err := znb.Allow(by, znb.ManageWebhooks); err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	s.Secret = "whsec_" + hex.EncodeToString(b)
	events := make([]string, len(s.Events))
	for i, e := range s.Events {
		events[i] = string(e)
	}
	row := subscriptionRow{Name: s.Name, URL: s.URL, Secret: s.Secret, Events: strings.Join(events, ","), Region: s.Region,
		Insurer: s.Insurer, Active: 1, CreatedBy: by.Username, CreatedAt: db.nowMS()}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.audit(tx, by, scope{}, "webhook.create", "webhook:"+itoa(row.ID), map[string]any{
			"name": s.Name, "url": s.URL, "events": row.Events, "region": s.Region, "insurer": s.Insurer})
	})
	if err != nil {
		return nil, znb.Wrap(err, "保存订阅")
	}
	s.ID, s.Active = row.ID, true
	return &s, nil
}

// ListSubscriptions lists the subscriptions, secrets left out.
func (db *DB) ListSubscriptions(ctx context.Context, by znb.Actor) ([]notify.Subscription, error) {
	if err := znb.Allow(by, znb.ManageWebhooks); err != nil {
		return nil, err
	}
	var rows []subscriptionRow
	if err := db.Gorm(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, znb.Wrap(err, "读取订阅")
	}
	out := make([]notify.Subscription, len(rows))
	for i := range rows {
		out[i] = rows[i].subscription()
	}
	return out, nil
}

// DisableSubscription stops new messages to a subscription; those already
// in the outbox are still delivered.
func (db *DB) DisableSubscription(ctx context.Context, by znb.Actor, id int64) error {
	if err := znb.Allow(by, znb.ManageWebhooks); err != nil {
		return err
	}
	return znb.Wrap(db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&subscriptionRow{}).Where("id = ?", id).Update("active", 0)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return znb.ErrNotFound("订阅")
		}
		return db.audit(tx, by, scope{}, "webhook.disable", "webhook:"+itoa(id), map[string]any{})
	}), "停用订阅")
}
