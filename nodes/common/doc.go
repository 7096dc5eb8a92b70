// Package common holds Node-RED's "common" palette: inject, debug, comment,
// junction, catch, status, complete, link in, link out and link call.
//
// Import rules: engine and small pure libraries (robfig/cron for inject's
// crontab); never another node category.
package common
