variable "name" {
  type = string
}

variable "instance_count" {
  type    = number
  default = 1
}

variable "ami" {
  type = string
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "subnet_ids" {
  type    = list(string)
  default = []
}

variable "vpc_security_group_ids" {
  type    = list(string)
  default = null
}

variable "iam_instance_profile" {
  type    = string
  default = ""
}

variable "associate_public_ip_address" {
  type    = bool
  default = null
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_instance" "this" {
  count = var.instance_count

  ami                         = var.ami
  instance_type               = var.instance_type
  subnet_id                   = element(var.subnet_ids, count.index)
  vpc_security_group_ids      = var.vpc_security_group_ids
  iam_instance_profile        = var.iam_instance_profile
  associate_public_ip_address = var.associate_public_ip_address

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  tags = merge(
    { "Name" = var.instance_count > 1 ? format("%s-%d", var.name, count.index + 1) : var.name },
    var.tags,
  )
}

output "id" {
  value = aws_instance.this.*.id
}

output "private_ip" {
  value = aws_instance.this.*.private_ip
}
